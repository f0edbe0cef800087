package dev.caravan.upstream;

import io.netty.handler.ssl.SslContext;

/**
 * How a pod is spoken to in TLS; also part of the connection pool's key, so connections made under
 * one trust are never reused under another.
 *
 * @param context    the client context (trusted CAs, optional client certificate)
 * @param name       the name sent by SNI and checked in the pod's certificate, or {@code null}
 * @param verifyName whether the pod's certificate must carry {@code name}
 * @param sni        whether {@code name} is sent by SNI
 */
public record UpstreamTls(SslContext context, String name, boolean verifyName, boolean sni) {
}
