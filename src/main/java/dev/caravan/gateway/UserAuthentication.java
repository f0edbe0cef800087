package dev.caravan.gateway;

import dev.caravan.auth.BasicCredentials;
import dev.caravan.auth.DigestCredentials;
import dev.caravan.routing.RoutePolicy;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The checks of {@code auth-type}, basic or digest as the Ingress's users were read, with what each remembers
 * (verified passwords, answered nonces, failing clients) across the listeners.
 */
public final class UserAuthentication {

    private final BasicAuthentication basic = new BasicAuthentication();
    private final DigestAuthentication digest = new DigestAuthentication();

    RequestCheck check(RoutePolicy.UserAuth auth) {
        if (auth.users() instanceof DigestCredentials users) {
            return digest.check(users);
        }
        if (auth.users() instanceof BasicCredentials users) {
            return basic.check(auth.realm(), users);
        }
        // never served unprotected: a policy is compiled with its users or not served
        return (head, done) -> done.accept(new Verdict.Refused(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "the users of " + auth.secret() + " were not read"));
    }

    /** Stops the threads checking passwords (when Caravan stops). */
    public void close() {
        basic.close();
    }
}
