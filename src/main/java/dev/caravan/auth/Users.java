package dev.caravan.auth;

/** The users of an {@code auth-secret}, as the Ingress's {@code auth-type} reads them. */
public sealed interface Users permits BasicCredentials, DigestCredentials {

    int size();
}
