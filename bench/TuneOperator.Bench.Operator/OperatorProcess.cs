using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace TuneOperator.Bench.Operator;

/// <summary>
/// The real operator (<c>dotnet tune-operator.dll</c>) as a child process, pointed at the fake through a kubeconfig
/// file, with its health, metrics and debug endpoints on free local ports. Its output goes to a log file.
/// </summary>
internal sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly StreamWriter log;
    private readonly Task drainOut;
    private readonly Task drainErr;

    private OperatorProcess(Process process, int healthPort, int metricsPort, string logPath)
    {
        this.process = process;
        HealthUrl = $"http://127.0.0.1:{healthPort}";
        MetricsUrl = $"http://127.0.0.1:{metricsPort}/metrics";
        LogPath = logPath;
        log = new StreamWriter(logPath) { AutoFlush = false };
        drainOut = DrainAsync(process.StandardOutput);
        drainErr = DrainAsync(process.StandardError);
    }

    /// <summary>The base URL of the health port.</summary>
    public string HealthUrl { get; }

    /// <summary>The metrics URL.</summary>
    public string MetricsUrl { get; }

    /// <summary>The operator's log file.</summary>
    public string LogPath { get; }

    /// <summary>Starts the operator with <paramref name="kubeconfig"/>.</summary>
    public static OperatorProcess Start(string operatorDll, string kubeconfig, string workDirectory, int workers, bool leaderElection, bool? serverGc, IReadOnlyDictionary<string, string> environment)
    {
        var healthPort = FreePort();
        var metricsPort = FreePort();
        // A .dll runs on the JIT runtime through `dotnet`; anything else is a native (AOT-published) executable.
        var viaDotnet = operatorDll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(viaDotnet ? "dotnet" : operatorDll)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        if (viaDotnet)
        {
            start.ArgumentList.Add(operatorDll);
        }

        foreach (var arg in new[]
        {
            "--kubeconfig", kubeconfig, "--trainer-image", "tune-trainer:bench",
            "--health-port", healthPort.ToString(CultureInfo.InvariantCulture), "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture),
            "--workers", workers.ToString(CultureInfo.InvariantCulture), "--leader-elect", leaderElection ? "true" : "false",
            "--lease-namespace", "default", "--Operator:DebugEndpoints=true",
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (serverGc is { } server)
        {
            start.Environment["DOTNET_gcServer"] = server ? "1" : "0";
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet " + operatorDll + "`.");
        return new OperatorProcess(process, healthPort, metricsPort, Path.Combine(workDirectory, "operator.log"));
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (informers synced, leader or no election).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the operator exited with code {process.ExitCode}; see {LogPath}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(HealthUrl + "/readyz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"the operator was not ready within {timeout.TotalSeconds:0} s; see {LogPath}.");
    }

    /// <summary>
    /// The operator's resident memory split as Linux reports it: anonymous (heaps, JIT code, stacks) and file-backed
    /// (mapped assemblies and native libraries), in bytes; zeros where /proc is not available.
    /// </summary>
    public (long Anonymous, long FileBacked) ResidentSplit()
    {
        var status = $"/proc/{process.Id}/status";
        if (!File.Exists(status))
        {
            return (0, 0);
        }

        long anonymous = 0, file = 0;
        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anonymous = Kib(line);
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = Kib(line);
            }
        }

        return (anonymous, file);

        static long Kib(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Runs a full compacting GC in the operator (<c>POST /debug/gc</c>) and returns its working set and managed heap.</summary>
    public async Task<(long WorkingSet, long ManagedHeap)> ForceGcAsync(CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(HealthUrl + "/debug/gc"), content: null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException("the operator does not serve POST /debug/gc; it needs Operator:DebugEndpoints (added with the benchmark).");
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (json.RootElement.GetProperty("workingSetBytes").GetInt64(), json.RootElement.GetProperty("managedHeapBytes").GetInt64());
    }

    /// <summary>Sums <c>tuneoperator_reconcile_total</c> over its labels, and reads the FineTuneJob work-queue depth.</summary>
    public async Task<(double Reconciles, double QueueDepth)> ScrapeAsync(CancellationToken cancellationToken)
    {
        var metrics = await ScrapeAllAsync(cancellationToken);
        return (metrics.GetValueOrDefault("tuneoperator_reconcile_total"), metrics.GetValueOrDefault("tuneoperator_workqueue_depth"));
    }

    /// <summary>Every sample of the operator's metrics, summed over labels by metric name.</summary>
    public async Task<Dictionary<string, double>> ScrapeAllAsync(CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri(MetricsUrl), cancellationToken);
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd > 0)
            {
                var name = line[..nameEnd];
                sums[name] = sums.GetValueOrDefault(name) + Value(line);
            }
        }

        return sums;
    }

    /// <summary>Stops the operator and closes its log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        await Task.WhenAll(drainOut, drainErr);
        await log.DisposeAsync();
        process.Dispose();
        http.Dispose();
    }

    private static double Value(string line) =>
        double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);

    private async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
