package io.vajra.fim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides which FIM category a path belongs to, following a {@link FimConfig}: a path belongs
 * to a category when one of the category's {@code file_paths} patterns matches it and none of
 * the same category's {@code exclude_paths} patterns does. Exclusions of one category never
 * affect another. Immutable and thread-safe.
 */
public final class FimMatcher {
    private final FimConfig config;
    private final Set<WatchRoot> watchRoots;

    public FimMatcher(FimConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.watchRoots = computeWatchRoots(config);
    }

    /**
     * The first category (in configuration order) that covers {@code path} after exclusions.
     * osquery reports a path once per category that covers it; see {@link #categoriesOf}.
     */
    public Optional<String> categoryOf(String path) {
        Objects.requireNonNull(path, "path");
        for (Map.Entry<String, List<PathPattern>> entry : config.filePaths().entrySet()) {
            if (covers(entry.getKey(), entry.getValue(), path)) {
                return Optional.of(entry.getKey());
            }
        }
        return Optional.empty();
    }

    /** Every category that covers {@code path} after exclusions, in configuration order. */
    public List<String> categoriesOf(String path) {
        Objects.requireNonNull(path, "path");
        List<String> categories = new ArrayList<>();
        config.filePaths().forEach((category, patterns) -> {
            if (covers(category, patterns, path)) {
                categories.add(category);
            }
        });
        return List.copyOf(categories);
    }

    private boolean covers(String category, List<PathPattern> patterns, String path) {
        if (patterns.stream().noneMatch(p -> p.matches(path))) {
            return false;
        }
        return config.excludePaths().getOrDefault(category, List.of()).stream().noneMatch(p -> p.matches(path));
    }

    /** Whether {@code category} is monitored and listed in {@code file_accesses} (OPENED/ACCESSED reported). */
    public boolean accessesReported(String category) {
        return config.fileAccesses().contains(category) && config.filePaths().containsKey(category);
    }

    /**
     * The directories a kernel-side filter must watch, sorted by path: one per distinct root of
     * the {@code file_paths} patterns, recursive when any pattern needs it, leaving out roots
     * that lie within a recursive root (which already covers them). Exclusions do not shrink
     * the roots; they are applied by {@link #categoryOf}.
     */
    public Set<WatchRoot> watchRoots() {
        return watchRoots;
    }

    public FimConfig config() {
        return config;
    }

    private static Set<WatchRoot> computeWatchRoots(FimConfig config) {
        Map<String, Boolean> byPath = new TreeMap<>();
        for (List<PathPattern> patterns : config.filePaths().values()) {
            for (PathPattern pattern : patterns) {
                byPath.merge(pattern.watchRoot(), pattern.recursive(), Boolean::logicalOr);
            }
        }
        List<WatchRoot> recursiveRoots = byPath.entrySet().stream().filter(Map.Entry::getValue)
                .map(e -> new WatchRoot(e.getKey(), true)).toList();
        Set<WatchRoot> roots = new TreeSet<>();
        byPath.forEach((path, recursive) -> {
            if (recursiveRoots.stream().noneMatch(r -> r.isAncestorOf(path))) {
                roots.add(new WatchRoot(path, recursive));
            }
        });
        return Collections.unmodifiableSet(roots);
    }
}
