/**
 * The HTTP surface: the REST API under {@code /api/v1} (bearer token, JSON, problem+json errors,
 * described in {@code /openapi.yaml}), the web console at {@code /}, Prometheus metrics at
 * {@code /metrics}, and the {@code /health} and {@code /ready} probes.
 */
package io.edgeward.http;
