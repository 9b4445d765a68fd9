/** The lifecycle contract of parts that own threads or sockets, and where they get their threads. */
package io.edgeward.core.lifecycle;
