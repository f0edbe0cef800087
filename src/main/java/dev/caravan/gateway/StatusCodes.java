package dev.caravan.gateway;

import java.util.Set;

/**
 * The statuses ingress-nginx's ConfigMap lets an operator choose.
 *
 * @param limitRequests    a request over limit-rps or limit-rpm ({@code limit-req-status-code}, 503)
 * @param limitConnections a request over limit-connections ({@code limit-conn-status-code}, 503)
 * @param redirect         a redirect to HTTPS or from-to-www-redirect's ({@code http-redirect-code}, 308)
 * @param customHttpErrors the pod's statuses an error page replaces where an Ingress names none of its own
 *                         ({@code custom-http-errors}, none)
 */
public record StatusCodes(int limitRequests, int limitConnections, int redirect, Set<Integer> customHttpErrors) {

    public StatusCodes {
        customHttpErrors = Set.copyOf(customHttpErrors);
    }
}
