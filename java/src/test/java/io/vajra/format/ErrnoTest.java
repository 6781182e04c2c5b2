package io.vajra.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesTheErrorsSocketCallsReturn() {
        assertEquals("EPERM", Errno.name(1));
        assertEquals("EAGAIN", Errno.name(11));
        assertEquals("EACCES", Errno.name(13));
        assertEquals("EINVAL", Errno.name(22));
        assertEquals("EMFILE", Errno.name(24));
        assertEquals("ENOTSOCK", Errno.name(88));
        assertEquals("EAFNOSUPPORT", Errno.name(97));
        assertEquals("EADDRINUSE", Errno.name(98));
        assertEquals("EADDRNOTAVAIL", Errno.name(99));
        assertEquals("ENETUNREACH", Errno.name(101));
        assertEquals("ECONNRESET", Errno.name(104));
        assertEquals("EISCONN", Errno.name(106));
        assertEquals("ENOTCONN", Errno.name(107));
        assertEquals("ETIMEDOUT", Errno.name(110));
        assertEquals("ECONNREFUSED", Errno.name(111));
        assertEquals("EHOSTUNREACH", Errno.name(113));
        assertEquals("EALREADY", Errno.name(114));
        assertEquals("EINPROGRESS", Errno.name(115));
        assertEquals("EHWPOISON", Errno.name(133));
        assertEquals("ERESTARTSYS", Errno.name(512));
    }

    @Test
    void unknownNumbersStayNumbers() {
        assertEquals("E41", Errno.name(41), "41 is unused on Linux (EWOULDBLOCK is EAGAIN)");
        assertEquals("E58", Errno.name(58));
        assertEquals("E0", Errno.name(0));
        assertEquals("E134", Errno.name(134));
        assertEquals("E-5", Errno.name(-5));
    }
}
