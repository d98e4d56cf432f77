using System.Runtime.InteropServices;
using TuneOperator.Trainer.Training;
using Xunit;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class NativeHeapTrimTests
{
    [Fact]
    public void Trimming_returns_the_free_pages_inside_malloc_arenas_to_the_operating_system()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "malloc_trim and /proc/self/status are Linux features");

        // 64 MiB in 64 KiB blocks (below malloc's mmap threshold, so they live in an arena), every page touched; all
        // but the last block freed, so the free space sits below a block in use and malloc cannot shrink the heap top.
        const int blockSize = 64 * 1024;
        const int count = 1024;
        var ones = new byte[blockSize];
        Array.Fill(ones, (byte)1);
        var blocks = new nint[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(blockSize);
            Marshal.Copy(ones, 0, blocks[i], blockSize);
        }

        for (var i = 0; i < count - 1; i++)
        {
            Marshal.FreeHGlobal(blocks[i]);
        }

        var before = ResidentBytes();
        NativeHeapTrim.Trim();
        var after = ResidentBytes();
        Marshal.FreeHGlobal(blocks[count - 1]);

        Assert.True(before - after > 32L * 1024 * 1024, $"resident memory fell by {(before - after) / 1024} KiB after the trim ({before / 1024} -> {after / 1024} KiB)");
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return kib * 1024;
    }
}
