package io.edgeward.core.ota;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version as Semantic Versioning 2.0.0 defines it, ordered by its precedence: major, minor and
 * patch numerically, a pre-release below its release, pre-release identifiers compared one by one
 * (numeric ones as numbers, below alphanumeric ones), build metadata ignored.
 */
public record SemVer(long major, long minor, long patch, List<String> preRelease, String build)
        implements Comparable<SemVer> {

    // The specification's own regular expression (semver.org), with an optional leading "v".
    private static final Pattern SYNTAX = Pattern.compile("v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

    public SemVer {
        preRelease = List.copyOf(preRelease);
    }

    /** @throws IllegalArgumentException when {@code text} is not a semantic version */
    public static SemVer parse(String text) {
        Matcher m = text == null ? null : SYNTAX.matcher(text.trim());
        if (m == null || !m.matches() || text.trim().length() > 128) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 2.1.0)");
        }
        try {
            return new SemVer(
                    Long.parseLong(m.group(1)),
                    Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)),
                    m.group(4) == null ? List.of() : List.of(m.group(4).split("\\.")),
                    m.group(5));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a number too large for a version");
        }
    }

    /** The version, or null when {@code text} is null or not semantic versioning (a device's own scheme). */
    public static SemVer tryParse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public int compareTo(SemVer other) {
        int c = Long.compare(major, other.major);
        if (c == 0) {
            c = Long.compare(minor, other.minor);
        }
        if (c == 0) {
            c = Long.compare(patch, other.patch);
        }
        if (c != 0) {
            return c;
        }
        if (preRelease.isEmpty() || other.preRelease.isEmpty()) {
            return Boolean.compare(preRelease.isEmpty(), other.preRelease.isEmpty());
        }
        for (int i = 0; i < Math.min(preRelease.size(), other.preRelease.size()); i++) {
            c = compareIdentifiers(preRelease.get(i), other.preRelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(preRelease.size(), other.preRelease.size());
    }

    private static int compareIdentifiers(String a, String b) {
        boolean numericA = a.chars().allMatch(Character::isDigit);
        boolean numericB = b.chars().allMatch(Character::isDigit);
        if (numericA && numericB) {
            return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
        }
        if (numericA != numericB) {
            return numericA ? -1 : 1;
        }
        return a.compareTo(b);
    }

    @Override
    public String toString() {
        String text =
                major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + String.join(".", preRelease));
        return build == null ? text : text + "+" + build;
    }
}
