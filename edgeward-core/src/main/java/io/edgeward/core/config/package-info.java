/** Configuration keys as each module declares them, their parsers, and the read-only view modules get. */
package io.edgeward.core.config;
