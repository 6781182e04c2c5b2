package io.vajra.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PathTextTest {
    @Test
    void relativePathsJoinTheWorkingDirectory() {
        assertEquals("/home/u/bin/tool", PathText.resolve("/home/u", "bin/tool"));
        assertEquals("/home/u/tool", PathText.resolve("/home/u", "./tool"));
        assertEquals("/home/u/my tool", PathText.resolve("/home/u/", "./my tool"));
        assertEquals("/tool", PathText.resolve("/", "tool"));
    }

    @Test
    void dotDotIsKeptBecauseSymlinksMayMakeItWrongToFold() {
        assertEquals("/home/u/../bin/sh", PathText.resolve("/home/u", "../bin/sh"));
    }

    @Test
    void absoluteOrUnknownStayAsGiven() {
        assertEquals("/bin/ls", PathText.resolve("/home/u", "/bin/ls"));
        assertEquals("tool", PathText.resolve("", "tool"));
        assertEquals("", PathText.resolve("/home/u", ""));
    }
}
