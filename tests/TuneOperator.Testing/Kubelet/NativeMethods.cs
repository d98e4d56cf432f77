using System.Runtime.InteropServices;

namespace TuneOperator.Testing.Kubelet;

/// <summary>POSIX signals for container processes (each runs in its own session and process group).</summary>
internal static class NativeMethods
{
    internal const int SigTerm = 15;
    internal const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to a process; false when it is gone.</summary>
    internal static bool Signal(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="pgid"/>.</summary>
    internal static bool SignalGroup(int pgid, int signal) => pgid > 0 && kill(-pgid, signal) == 0;

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code blocks, which this project does not allow; kill(2) takes only ints.
    private static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
}
