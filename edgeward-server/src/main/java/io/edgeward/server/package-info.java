/**
 * The composition root: {@link io.edgeward.server.Edgeward} builds every object of a node with its
 * constructor, from a {@link io.edgeward.server.config.Configuration}, and owns their lifecycle.
 */
package io.edgeward.server;
