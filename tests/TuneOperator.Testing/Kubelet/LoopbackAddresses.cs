using System.Globalization;

namespace TuneOperator.Testing.Kubelet;

/// <summary>
/// Hands out distinct loopback addresses (127.0.0.0/8 is all loopback on Linux) so that every local Pod can listen on
/// the same ports. Process-wide, so kubelets of tests running in parallel never share an address; the second octet is
/// chosen at random per process so that test processes running side by side are unlikely to meet.
/// </summary>
internal static class LoopbackAddresses
{
    private static int _next = (Random.Shared.Next(16, 240) << 16) | 2;

    /// <summary>The next unused address, e.g. <c>127.93.0.2</c>.</summary>
    internal static string Next()
    {
        while (true)
        {
            var value = Interlocked.Increment(ref _next) - 1;
            var low = value & 0xFF;
            if (low is 0 or 1 or 255)
            {
                continue;
            }

            return string.Create(CultureInfo.InvariantCulture, $"127.{(value >> 16) & 0xFF}.{(value >> 8) & 0xFF}.{low}");
        }
    }
}
