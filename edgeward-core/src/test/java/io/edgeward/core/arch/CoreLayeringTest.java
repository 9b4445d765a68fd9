package io.edgeward.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** The domain must stay free of transports and databases: adapters depend on core, never the reverse. */
class CoreLayeringTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.edgeward.core");

    @Test
    void core_dependsOnNoNetworkBrokerHttpOrJdbcLibrary() {
        noClasses()
                .that()
                .resideInAPackage("io.edgeward.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "java.net..",
                        "java.net.http..",
                        "javax.net..",
                        "java.nio.channels..",
                        "java.sql..",
                        "javax.sql..",
                        "io.netty..",
                        "com.hivemq..",
                        "org.eclipse.californium..",
                        "org.eclipse.jetty..",
                        "io.javalin..",
                        "jakarta.servlet..",
                        "org.jdbi..",
                        "com.zaxxer..",
                        "org.flywaydb..",
                        "org.sqlite..",
                        "org.postgresql..",
                        "io.nats..",
                        "okhttp3..",
                        "org.apache.http..")
                .because("edgeward-core is the protocol- and database-free domain (ARCHITECTURE.md)")
                .check(CORE);
    }

    @Test
    void core_doesNotDependOnAdapterModules() {
        noClasses()
                .that()
                .resideInAPackage("io.edgeward.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.edgeward.store..",
                        "io.edgeward.mqtt..",
                        "io.edgeward.http..",
                        "io.edgeward.coap..",
                        "io.edgeward.server..",
                        "io.edgeward.device..")
                .check(CORE);
    }

    @Test
    void rule_detectsAViolation() {
        // Guard against a rule that can never fail: a class that uses java.sql must be caught.
        JavaClasses offending = new ClassFileImporter().importClasses(UsesJdbc.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> noClasses()
                        .should()
                        .dependOnClassesThat()
                        .resideInAnyPackage("java.sql..")
                        .check(offending))
                .isInstanceOf(AssertionError.class);
    }

    static final class UsesJdbc {
        Connection connection;
    }
}
