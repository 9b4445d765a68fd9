/** The domain of a node assembled over store ports: one builder for the application and the tests. */
package io.edgeward.core.platform;
