package dev.caravan.gateway;

/**
 * The statuses ingress-nginx's ConfigMap lets an operator choose.
 *
 * @param limitRequests    a request over limit-rps or limit-rpm ({@code limit-req-status-code}, 503)
 * @param limitConnections a request over limit-connections ({@code limit-conn-status-code}, 503)
 * @param redirect         a redirect to HTTPS or from-to-www-redirect's ({@code http-redirect-code}, 308)
 */
public record StatusCodes(int limitRequests, int limitConnections, int redirect) {
}
