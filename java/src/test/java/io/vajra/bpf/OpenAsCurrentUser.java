package io.vajra.bpf;

/** Run in a child JVM by {@link ProbeSessionTest}: opens a session and prints the outcome. */
public final class OpenAsCurrentUser {
    private OpenAsCurrentUser() {}

    public static void main(String[] args) {
        try (ProbeSession session = ProbeSession.open(ProbeSettings.defaults())) {
            System.out.println("opened with a ring of " + session.settings().ringBytes() + " bytes");
        } catch (ProbeException e) {
            System.out.println(e.getMessage());
        } catch (Throwable e) {
            System.out.println("unexpected: " + e);
        }
    }
}
