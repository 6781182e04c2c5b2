package io.vajra.fim;

import io.vajra.config.ConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The file integrity monitoring settings of osquery's configuration, merged over all sources.
 * Immutable; maps and sets keep the order in which categories first appeared.
 *
 * <ul>
 *   <li>{@link #filePaths()}: category -> patterns to monitor ({@code file_paths}).</li>
 *   <li>{@link #excludePaths()}: category -> patterns left out of that category
 *       ({@code exclude_paths}), only for categories present in {@code file_paths}; the
 *       others are listed in {@link #ignoredExcludeCategories()}.</li>
 *   <li>{@link #fileAccesses()}: categories that also report OPENED/ACCESSED
 *       ({@code file_accesses}), as configured.</li>
 *   <li>{@link #filePathsQuery()}: category -> SQL queries ({@code file_paths_query}); kept
 *       but <b>not applied yet</b>.</li>
 * </ul>
 */
public final class FimConfig {
    public static final FimConfig EMPTY = new FimConfig(Map.of(), Map.of(), Set.of(), Map.of());

    private final Map<String, List<PathPattern>> filePaths;
    private final Map<String, List<PathPattern>> excludePaths;
    private final Set<String> ignoredExcludeCategories;
    private final Set<String> fileAccesses;
    private final Map<String, List<String>> filePathsQuery;

    /**
     * @param excludePaths exclusions by category; those of categories absent from
     *                     {@code filePaths} are dropped (and reported by
     *                     {@link #ignoredExcludeCategories()})
     */
    public FimConfig(Map<String, List<PathPattern>> filePaths, Map<String, List<PathPattern>> excludePaths,
            Set<String> fileAccesses, Map<String, List<String>> filePathsQuery) {
        this.filePaths = copy(filePaths);
        Map<String, List<PathPattern>> kept = new LinkedHashMap<>();
        Set<String> ignored = new LinkedHashSet<>();
        excludePaths.forEach((category, patterns) -> {
            if (this.filePaths.containsKey(category)) {
                kept.put(category, patterns);
            } else {
                ignored.add(category);
            }
        });
        this.excludePaths = copy(kept);
        this.ignoredExcludeCategories = Collections.unmodifiableSet(new LinkedHashSet<>(ignored));
        this.fileAccesses = Collections.unmodifiableSet(new LinkedHashSet<>(fileAccesses));
        this.filePathsQuery = copy(filePathsQuery);
    }

    private static <T> Map<String, List<T>> copy(Map<String, List<T>> map) {
        Map<String, List<T>> copy = new LinkedHashMap<>();
        map.forEach((key, values) -> copy.put(key, List.copyOf(values)));
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Parses and merges osquery configuration sources (as genConfig returns them: source name
     * -> JSON text, in osquery's order). Categories' pattern lists are unioned across sources;
     * unknown keys are ignored; blank sources count as empty.
     *
     * @throws ConfigException listing every problem found, one per line
     */
    public static FimConfig parse(Map<String, String> sources) throws ConfigException {
        return FimConfigParser.parse(sources);
    }

    /** {@link #parse(Map)} for a single source named {@code "config"}. */
    public static FimConfig parse(String json) throws ConfigException {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("config", json);
        return FimConfigParser.parse(sources);
    }

    public Map<String, List<PathPattern>> filePaths() {
        return filePaths;
    }

    public Map<String, List<PathPattern>> excludePaths() {
        return excludePaths;
    }

    /** Categories that had {@code exclude_paths} but no {@code file_paths}: their exclusions do nothing. */
    public Set<String> ignoredExcludeCategories() {
        return ignoredExcludeCategories;
    }

    public Set<String> fileAccesses() {
        return fileAccesses;
    }

    /** Parsed and kept, not applied yet: paths from these queries are not monitored. */
    public Map<String, List<String>> filePathsQuery() {
        return filePathsQuery;
    }

    /** Whether nothing is to be monitored. */
    public boolean isEmpty() {
        return filePaths.values().stream().allMatch(List::isEmpty);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FimConfig that && filePaths.equals(that.filePaths)
                && excludePaths.equals(that.excludePaths)
                && ignoredExcludeCategories.equals(that.ignoredExcludeCategories)
                && fileAccesses.equals(that.fileAccesses) && filePathsQuery.equals(that.filePathsQuery);
    }

    @Override
    public int hashCode() {
        return filePaths.hashCode() * 31 + excludePaths.hashCode();
    }

    @Override
    public String toString() {
        return "FimConfig[filePaths=" + filePaths + ", excludePaths=" + excludePaths + ", fileAccesses="
                + fileAccesses + ", filePathsQuery=" + filePathsQuery + "]";
    }
}
