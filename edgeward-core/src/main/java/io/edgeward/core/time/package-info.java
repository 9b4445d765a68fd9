/** Time helpers shared by the features and the adapters. */
package io.edgeward.core.time;
