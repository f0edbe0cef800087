# syntax=docker/dockerfile:1
# The image Caravan runs from in a cluster: `docker build -t caravan:dev .` (see README, "Deploy to a cluster").

# Built as the README builds it, on the JDK the project targets.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src src
# The cache mount keeps ~/.m2 between builds, so a source change does not download every dependency again.
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp package -DskipTests

FROM eclipse-temurin:21-jre
# The working directory makes the default `--routes routes` find the routes folder (in Kubernetes, the
# caravan-routes ConfigMap is mounted over it).
WORKDIR /opt/caravan
COPY --from=build /src/target/caravan.jar caravan.jar
COPY routes routes
# routes/change-audit.yaml writes here: the working directory is root's, and in k8s/ /tmp is the one writable place
ENV CARAVAN_AUDIT_DIR=/tmp/caravan-audit
# A class-data archive of what start-up loads (Camel, fabric8, Netty, Caravan), made by a training run on the
# bundled examples with this image's JVM: start-up reads it instead of parsing those classes again, which
# halved the time to ready on a loaded 2-core machine (bench/RESULTS.md). Caravan stops itself after 20 s; the
# JVM writes the archive as it exits. A JVM that cannot use the archive warns and starts without it.
COPY examples /tmp/training
RUN (timeout -s TERM 20 java -XX:ArchiveClassesAtExit=caravan.jsa -jar caravan.jar --manifests /tmp/training \
        --http-port 18080 --https-port 18443 --admin-port 18254 > /tmp/training.log 2>&1 || true) \
    && test -s caravan.jsa && rm -rf /tmp/training /tmp/training.log /tmp/caravan-audit
# Numeric, so Kubernetes can verify runAsNonRoot; the files above stay root's and read-only to Caravan,
# which writes nothing but to /tmp.
USER 65532:65532
# HTTP listener, HTTPS listener, admin port, admission webhook (k8s/ turns it on with --webhook-port 9443).
EXPOSE 8080 8443 10254 9443
# Heap at half the container's memory limit: Netty's direct buffers, metaspace and thread stacks live
# outside it. Out of memory, exit and let the kubelet restart the pod rather than limp on. The parallel
# collector: a proxy's garbage is short-lived, and its young pauses were a quarter of G1's under bench/proxy
# (median 2.4 ms against 4–10 ms), which is the proxy's tail latency. bench/proxy runs Caravan with these flags.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=caravan.jsa", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseParallelGC", "-jar", "caravan.jar"]
