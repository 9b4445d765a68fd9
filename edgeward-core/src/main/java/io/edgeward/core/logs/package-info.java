/**
 * Device logs: lines devices publish on {@code device/{id}/log} (and, at an edge, the node's own
 * warnings and errors), stored with a retention, queried per device, and at an edge forwarded to
 * the cloud on the low stream.
 */
package io.edgeward.core.logs;
