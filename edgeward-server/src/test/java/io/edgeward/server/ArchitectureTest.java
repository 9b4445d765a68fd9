package io.edgeward.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.edgeward.core.observability.RateLimitedLog;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Rules every module keeps (the core's own layering is {@code CoreLayeringTest}): a feature's
 * {@code internal} package is its own, and no state hides in static fields, where two nodes in one
 * JVM (every integration test) would share it and a constructor could not replace it.
 */
class ArchitectureTest {

    private static final JavaClasses EDGEWARD = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(
                    "io.edgeward.core",
                    "io.edgeward.store",
                    "io.edgeward.mqtt",
                    "io.edgeward.coap",
                    "io.edgeward.http",
                    "io.edgeward.device",
                    "io.edgeward.server");

    /** Types whose instances change after construction: never held in a static field. */
    private static final List<Class<?>> MUTABLE = List.of(
            RateLimitedLog.class,
            Map.class,
            Collection.class,
            AtomicBoolean.class,
            AtomicInteger.class,
            AtomicLong.class,
            AtomicReference.class,
            ExecutorService.class);
    /**
     * A constant may be declared as one of these interfaces (it is then {@code Set.of}, {@code List.of}
     * or {@code Map.of} here); a field declared as a concrete mutable collection is caught.
     */
    private static final Set<String> IMMUTABLE_COLLECTION_FACTORIES =
            Set.of("java.util.Set", "java.util.List", "java.util.Map");

    static final ArchRule INTERNAL_STAYS_IN_ITS_FEATURE = classes()
            .that()
            .resideInAPackage("..internal..")
            .should(beAccessedOnlyFromTheirFeature())
            .because("a feature's internal package is its implementation; other features use its public types");

    static final ArchRule NO_STATIC_STATE = fields().that()
            .areStatic()
            .should(beConstants())
            .because("state lives in instances wired by the composition root (STYLE.md: no static state)");

    /** Thread creation the rule below forbids outside {@code core.lifecycle}: every part gets its threads from {@code Threads}. */
    private static final Set<String> THREAD_MAKERS =
            Set.of("ofPlatform", "ofVirtual", "newVirtualThreadPerTaskExecutor", "defaultThreadFactory");

    static final ArchRule THREADS_FROM_THE_ROOT = noClasses()
            .that()
            .resideOutsideOfPackages("io.edgeward.core.lifecycle..", "io.edgeward.server.cli..", "io.edgeward.device..")
            .should()
            .callMethodWhere(makesThreads())
            .orShould()
            .callConstructor(Thread.class, Runnable.class)
            .orShould()
            .callConstructor(Thread.class, Runnable.class, String.class)
            .because("parts get their threads from the Threads the root hands them, named after the node and the part");

    @Test
    void threads_comeFromTheRootsThreads() {
        THREADS_FROM_THE_ROOT.check(EDGEWARD);
    }

    @Test
    void internalPackages_areUsedOnlyByTheirOwnFeature() {
        INTERNAL_STAYS_IN_ITS_FEATURE.check(EDGEWARD);
    }

    @Test
    void staticFields_areConstants() {
        NO_STATIC_STATE.check(EDGEWARD);
    }

    @Test
    void rules_detectViolations() {
        JavaClasses offending = new ClassFileImporter()
                .importClasses(
                        StaticCounter.class,
                        ReachesIntoInternal.class,
                        io.edgeward.core.device.internal.CredentialIndex.class);
        assertThatThrownBy(() -> NO_STATIC_STATE.check(offending))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("COUNTS")
                .hasMessageContaining("LOG")
                .hasMessageContaining("calls");
        assertThatThrownBy(() -> INTERNAL_STAYS_IN_ITS_FEATURE.check(offending))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(ReachesIntoInternal.class.getSimpleName());
        assertThatThrownBy(() ->
                        THREADS_FROM_THE_ROOT.check(new ClassFileImporter().importClasses(MakesItsOwnThread.class)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(MakesItsOwnThread.class.getSimpleName());
    }

    static final class StaticCounter {
        static final ConcurrentHashMap<String, Long> COUNTS = new ConcurrentHashMap<>();
        static final RateLimitedLog LOG = RateLimitedLog.perMinute();
        static int calls;
    }

    static final class ReachesIntoInternal {
        io.edgeward.core.device.internal.CredentialIndex index;
    }

    private static ArchCondition<JavaClass> beAccessedOnlyFromTheirFeature() {
        return new ArchCondition<>("be accessed only from their own feature") {
            @Override
            public void check(JavaClass internal, ConditionEvents events) {
                String feature = internal.getPackageName()
                        .substring(0, internal.getPackageName().indexOf(".internal"));
                internal.getDirectDependenciesToSelf().forEach(dependency -> {
                    JavaClass origin = dependency.getOriginClass();
                    String from = origin.getPackageName();
                    if (!from.equals(feature) && !from.startsWith(feature + ".")) {
                        events.add(SimpleConditionEvent.violated(
                                dependency,
                                origin.getName() + " uses " + internal.getName() + " from outside " + feature));
                    }
                });
            }
        };
    }

    private static ArchCondition<JavaField> beConstants() {
        return new ArchCondition<>("be constants: final, and of no mutable type") {
            @Override
            public void check(JavaField field, ConditionEvents events) {
                if (field.getName().startsWith("$")) {
                    return; // made by the compiler: $VALUES, $assertionsDisabled, switch maps
                }
                if (!field.getModifiers().contains(JavaModifier.FINAL)) {
                    events.add(SimpleConditionEvent.violated(field, field.getFullName() + " is static and not final"));
                    return;
                }
                JavaClass type = field.getRawType();
                boolean mutable = MUTABLE.stream().anyMatch(type::isAssignableTo)
                        && !IMMUTABLE_COLLECTION_FACTORIES.contains(type.getName());
                if (mutable) {
                    events.add(SimpleConditionEvent.violated(
                            field,
                            field.getFullName() + " holds a " + type.getSimpleName()
                                    + ", which changes after construction"));
                }
            }
        };
    }

    private static DescribedPredicate<JavaMethodCall> makesThreads() {
        return DescribedPredicate.describe(
                "makes a thread or thread factory of its own",
                call -> (call.getTargetOwner().isEquivalentTo(Thread.class)
                                || call.getTargetOwner().isEquivalentTo(Executors.class))
                        && THREAD_MAKERS.contains(call.getName()));
    }

    /** Starts a thread of its own: what {@link #THREADS_FROM_THE_ROOT} must catch. */
    static final class MakesItsOwnThread {
        void run() {
            Thread.ofVirtual().start(() -> {});
        }
    }
}
