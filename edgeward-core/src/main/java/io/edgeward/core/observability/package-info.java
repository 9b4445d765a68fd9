/** Cross-cutting observability helpers shared by the features and the transports. */
package io.edgeward.core.observability;
