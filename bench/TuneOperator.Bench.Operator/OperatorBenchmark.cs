using System.Diagnostics;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Testing.Kube;

namespace TuneOperator.Bench.Operator;

/// <summary>
/// One benchmark run: a fresh <see cref="KubeApiFake"/> with the CRDs, the real operator in its own process, the idle
/// working set, <c>jobs</c> FineTuneJobs created at a fixed rate, CR-created to first-pod latency, reconciles per
/// second from the operator's metrics, and the working set with every job cached.
/// </summary>
internal static class OperatorBenchmark
{
    private const string Namespace = "default";

    /// <summary>Runs the benchmark for <paramref name="jobs"/> jobs.</summary>
    public static async Task<BenchResult> RunAsync(BenchOptions options, int jobs, Action<string> progress, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadAtStart = LoadAverage();
        var work = Directory.CreateTempSubdirectory("tune-bench-operator-");
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: cancellationToken);
        await fake.LoadCustomResourceDefinitionsAsync(Path.Combine(options.RepoRoot, "crds"), cancellationToken);
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = fake.Url, HttpClientTimeout = Timeout.InfiniteTimeSpan });

        progress($"starting the operator ({Path.GetFileName(options.OperatorDll)}, log {work.FullName}/operator.log)");
        await using var op = OperatorProcess.Start(options.OperatorDll, fake.WriteKubeconfig(work.FullName, "bench"), work.FullName, options.Workers, options.LeaderElection, options.ServerGc, options.Environment);
        await op.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        await op.ForceGcAsync(cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var idle = await op.ForceGcAsync(cancellationToken);
        var idleSplit = op.ResidentSplit();
        progress($"idle working set {Mib(idle.WorkingSet):0.0} MiB (managed heap {Mib(idle.ManagedHeap):0.0} MiB)");

        await using var watcher = new PodWatcher(client);
        watcher.Start();
        var (baseline, _) = await op.ScrapeAsync(cancellationToken);
        var samples = new List<(long Timestamp, double Reconciles, double Depth)>();
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SampleAsync(op, samples, stopSampling.Token);

        progress($"creating {jobs} FineTuneJobs at {options.Rate}/s");
        var returned = new long[jobs];
        var createErrors = 0;
        var inFlight = new List<Task>(jobs);
        using var gate = new SemaphoreSlim(256);
        var createStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < jobs; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / options.Rate) - Stopwatch.GetElapsedTime(createStart);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            await gate.WaitAsync(cancellationToken);
            var index = i;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    await client.CustomObjects.CreateNamespacedCustomObjectAsync(
                        NewJob(JobName(index)), ApiGroup.Group, ApiGroup.Version, Namespace, FineTuneJob.Plural, cancellationToken: cancellationToken);
                    returned[index] = Stopwatch.GetTimestamp();
                }
                catch (HttpOperationException)
                {
                    Interlocked.Increment(ref createErrors);
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken));
        }

        await Task.WhenAll(inFlight);
        var createSeconds = Stopwatch.GetElapsedTime(createStart).TotalSeconds;
        progress($"created in {createSeconds:0.0} s; waiting for pods ({watcher.Count}/{jobs} so far)");

        var podDeadline = Stopwatch.StartNew();
        while (watcher.Count < jobs - createErrors && podDeadline.Elapsed < options.PodTimeout)
        {
            await Task.Delay(100, cancellationToken);
        }

        progress($"{watcher.Count}/{jobs} jobs have a pod; waiting for the operator to go quiet");
        var quiesced = await WaitQuietAsync(samples, TimeSpan.FromSeconds(120), cancellationToken);
        await stopSampling.CancelAsync();
        await sampler;

        var (reconcileEnd, lastChange) = LastChange(samples, createStart);
        var window = Stopwatch.GetElapsedTime(createStart, lastChange).TotalSeconds;
        var metrics = await op.ScrapeAllAsync(cancellationToken);
        var server = ServerLatencies(fake);
        var loaded = await op.ForceGcAsync(cancellationToken);
        var loadedSplit = op.ResidentSplit();
        progress($"loaded working set {Mib(loaded.WorkingSet):0.0} MiB (managed heap {Mib(loaded.ManagedHeap):0.0} MiB)");

        var latencies = new List<double>(jobs);
        var early = 0;
        for (var i = 0; i < jobs; i++)
        {
            if (returned[i] != 0 && watcher.TryGetFirstPod(Namespace + "/" + JobName(i), out var seen))
            {
                var ms = Stopwatch.GetElapsedTime(returned[i], seen).TotalMilliseconds;
                if (seen < returned[i])
                {
                    early++;
                    ms = 0;
                }

                latencies.Add(ms);
            }
        }

        latencies.Sort();
        return new BenchResult
        {
            Jobs = jobs,
            RatePerSecond = options.Rate,
            Workers = options.Workers,
            LeaderElection = options.LeaderElection,
            GcMode = options.ServerGc switch { true => "server", false => "workstation", null => "operator default" },
            StartedAt = startedAt,
            Machine = Machine(),
            LoadAverageAtStart = loadAtStart,
            LoadAverageAtEnd = LoadAverage(),
            CreateSeconds = Math.Round(createSeconds, 2),
            AchievedCreateRate = Math.Round((jobs - createErrors) / createSeconds, 1),
            JobsWithPod = latencies.Count,
            LatencyP50Ms = Math.Round(Percentile(latencies, 0.50), 1),
            LatencyP99Ms = Math.Round(Percentile(latencies, 0.99), 1),
            LatencyMaxMs = Math.Round(latencies.Count == 0 ? double.NaN : latencies[^1], 1),
            PodsSeenBeforeCreateReturned = early,
            Reconciles = reconcileEnd - baseline,
            ReconcileWindowSeconds = Math.Round(window, 2),
            ReconcilesPerSecond = Math.Round(window > 0 ? (reconcileEnd - baseline) / window : 0, 1),
            PeakReconcilesPerSecond = Math.Round(PeakRate(samples), 1),
            Quiesced = quiesced,
            IdleWorkingSetBytes = idle.WorkingSet,
            IdleManagedHeapBytes = idle.ManagedHeap,
            LoadedWorkingSetBytes = loaded.WorkingSet,
            IdleAnonymousBytes = idleSplit.Anonymous,
            IdleFileBackedBytes = idleSplit.FileBacked,
            LoadedAnonymousBytes = loadedSplit.Anonymous,
            LoadedFileBackedBytes = loadedSplit.FileBacked,
            LoadedManagedHeapBytes = loaded.ManagedHeap,
            WorkingSetPerJobBytes = Math.Round((double)(loaded.WorkingSet - idle.WorkingSet) / jobs, 0),
            ManagedHeapPerJobBytes = Math.Round((double)(loaded.ManagedHeap - idle.ManagedHeap) / jobs, 0),
            ServerLatencyP50Seconds = Percentile(server, 0.50),
            ServerLatencyP99Seconds = Percentile(server, 0.99),
            ServerLatencyMaxSeconds = server.Count == 0 ? double.NaN : server[^1],
            MeanQueueWaitMs = Math.Round(MeanMs(metrics, "tuneoperator_workqueue_queue_duration_seconds"), 1),
            MeanReconcileMs = Math.Round(MeanMs(metrics, "tuneoperator_reconcile_duration_seconds"), 1),
            PodWatchReconnects = watcher.Reconnects,
            CreateErrors = createErrors,
        };
    }

    /// <summary>A valid FineTuneJob (model, dataset, output on PVCs).</summary>
    public static FineTuneJob NewJob(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = new Dictionary<string, string> { ["bench"] = "operator" } },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://models/base" },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl", Format = DatasetFormat.Instruction },
            Output = new OutputSpec { Location = "pvc://results/" + name },
        },
    };

    /// <summary>
    /// Pod creationTimestamp minus its job's creationTimestamp, in seconds, sorted: the same latency as the API server
    /// records it (whole seconds), independent of the harness's own watch.
    /// </summary>
    private static List<double> ServerLatencies(KubeApiFake fake)
    {
        var created = fake.List(fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural), Namespace)
            .ToDictionary(j => (string)j["metadata"]!["uid"]!, j => DateTimeOffset.Parse((string)j["metadata"]!["creationTimestamp"]!, System.Globalization.CultureInfo.InvariantCulture));
        var latencies = new List<double>();
        foreach (var pod in fake.List<V1Pod>(Namespace, "app.kubernetes.io/managed-by=tune-operator"))
        {
            var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
            if (owner is not null && created.TryGetValue(owner.Uid, out var jobCreated) && pod.Metadata.CreationTimestamp is { } podCreated)
            {
                latencies.Add((new DateTimeOffset(podCreated, TimeSpan.Zero) - jobCreated).TotalSeconds);
            }
        }

        latencies.Sort();
        return latencies;
    }

    private static double MeanMs(Dictionary<string, double> metrics, string histogram) =>
        metrics.GetValueOrDefault(histogram + "_count") is > 0 and var count ? metrics.GetValueOrDefault(histogram + "_sum") / count * 1000 : double.NaN;

    private static string JobName(int index) => "bench-" + index.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task SampleAsync(OperatorProcess op, List<(long, double, double)> samples, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (reconciles, depth) = await op.ScrapeAsync(cancellationToken);
                lock (samples)
                {
                    samples.Add((Stopwatch.GetTimestamp(), reconciles, depth));
                }

                await Task.Delay(500, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Sampling stopped.
        }
    }

    /// <summary>Waits until the reconcile counter has not moved for 3 s and the work queue is empty.</summary>
    private static async Task<bool> WaitQuietAsync(List<(long Timestamp, double Reconciles, double Depth)> samples, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            await Task.Delay(500, cancellationToken);
            lock (samples)
            {
                if (samples.Count > 0 && samples[^1].Depth == 0)
                {
                    var last = samples[^1];
                    var firstSame = samples.FindIndex(s => s.Reconciles == last.Reconciles);
                    if (firstSame >= 0 && Stopwatch.GetElapsedTime(samples[firstSame].Timestamp, last.Timestamp) >= TimeSpan.FromSeconds(3))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>The final counter value and the first sample that showed it (the end of the reconcile window).</summary>
    private static (double Value, long Timestamp) LastChange(List<(long Timestamp, double Reconciles, double Depth)> samples, long fallback)
    {
        lock (samples)
        {
            if (samples.Count == 0)
            {
                return (0, fallback);
            }

            var final = samples[^1].Reconciles;
            var first = samples.First(s => s.Reconciles == final);
            return (final, first.Timestamp);
        }
    }

    private static double PeakRate(List<(long Timestamp, double Reconciles, double Depth)> samples)
    {
        lock (samples)
        {
            var peak = 0.0;
            for (var i = 2; i < samples.Count; i++)
            {
                var seconds = Stopwatch.GetElapsedTime(samples[i - 2].Timestamp, samples[i].Timestamp).TotalSeconds;
                if (seconds > 0)
                {
                    peak = Math.Max(peak, (samples[i].Reconciles - samples[i - 2].Reconciles) / seconds);
                }
            }

            return peak;
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Mib(long bytes) => bytes / 1024.0 / 1024.0;

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} CPUs ({model ?? "unknown CPU"}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
