using System.Runtime.InteropServices;

namespace TuneOperator.Bench.Trainer;

/// <summary>
/// glibc's allocator statistics (<c>mallinfo2</c>): the bytes handed out to the program and the bytes free inside
/// its arenas. A leak grows the first; fragmentation grows resident memory while the first stays flat.
/// </summary>
public static class NativeHeap
{
    /// <summary>Bytes in use (ordinary blocks plus mmapped blocks), and free bytes kept in the arenas; zeros where glibc is absent.</summary>
    public static (long InUse, long FreeInArenas) Read()
    {
        try
        {
            var info = MallInfo2();
            return ((long)(info.Uordblks + info.Hblkhd), (long)info.Fordblks);
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return (0, 0);
        }
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern MallInfo MallInfo2();

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }
}
