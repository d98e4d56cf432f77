using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using Xunit;

namespace TuneOperator.Controller.Tests.Runtime;

public sealed class ControllerLoopTests
{
    private static readonly WorkQueueOptions FastBackoff = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Failures_are_retried_with_backoff_until_the_reconcile_succeeds()
    {
        var key = new NamespacedName("ns", "job");
        var reconciler = new ScriptedReconciler(_ => throw new InvalidOperationException("API down"), _ => ReconcileResult.Failed(new IOException("flaky")), _ => ReconcileResult.Done);
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var loop = new ControllerLoop("FineTuneJob", reconciler, 2, () => [key], NullLogger.Instance, queueOptions: FastBackoff, observer: metrics);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = loop.RunAsync(stop.Token);
        await reconciler.WaitForCallsAsync(3, Ct);
        await Task.Delay(50, Ct);
        await stop.CancelAsync();
        await run;

        Assert.Equal(3, reconciler.Calls);
        Assert.Equal(2, Value(metrics.Registry, "tuneoperator_reconcile_total", "controller=\"FineTuneJob\",result=\"error\""));
        Assert.Equal(1, Value(metrics.Registry, "tuneoperator_reconcile_total", "controller=\"FineTuneJob\",result=\"success\""));
        Assert.False(loop.IsRunning);
    }

    [Fact]
    public async Task A_terminal_error_is_not_retried()
    {
        var key = new NamespacedName("ns", "bad");
        var reconciler = new ScriptedReconciler(_ => throw new TerminalReconcileException("spec.model.source is empty"));
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var loop = new ControllerLoop("FineTuneJob", reconciler, 1, () => [key], NullLogger.Instance, queueOptions: FastBackoff, observer: metrics);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = loop.RunAsync(stop.Token);
        await reconciler.WaitForCallsAsync(1, Ct);
        await Task.Delay(100, Ct);
        await stop.CancelAsync();
        await run;

        Assert.Equal(1, reconciler.Calls);
        Assert.Equal(1, Value(metrics.Registry, "tuneoperator_reconcile_total", "controller=\"FineTuneJob\",result=\"terminal\""));
    }

    [Fact]
    public async Task RequeueAfter_reconciles_the_key_again_later()
    {
        var key = new NamespacedName("ns", "waiting");
        var reconciler = new ScriptedReconciler(_ => ReconcileResult.Requeue(TimeSpan.FromMilliseconds(10)), _ => ReconcileResult.Done);
        var loop = new ControllerLoop("FineTuneJob", reconciler, 1, () => [key], NullLogger.Instance);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = loop.RunAsync(stop.Token);
        await reconciler.WaitForCallsAsync(2, Ct);
        await stop.CancelAsync();
        await run;

        Assert.Equal(2, reconciler.Calls);
        Assert.Equal([key, key], reconciler.Keys);
    }

    [Fact]
    public async Task Keys_enqueued_while_running_are_reconciled_and_ignored_after_stop()
    {
        var reconciler = new ScriptedReconciler();
        var loop = new ControllerLoop("FineTuneJob", reconciler, 3, () => [], NullLogger.Instance);
        loop.Enqueue(new NamespacedName("ns", "before"));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = loop.RunAsync(stop.Token);
        while (!loop.IsRunning)
        {
            await Task.Yield();
        }

        loop.Enqueue(new NamespacedName("ns", "a"));
        loop.Enqueue(new NamespacedName("ns", "b"));
        await reconciler.WaitForCallsAsync(2, Ct);
        await stop.CancelAsync();
        await run;
        loop.Enqueue(new NamespacedName("ns", "after"));

        Assert.Equal(["ns/a", "ns/b"], reconciler.Keys.Select(k => k.ToString()).Order());
    }

    [Fact]
    public async Task Shutdown_lets_the_reconcile_in_hand_finish_its_cancellation()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var observedCancel = false;
        var reconciler = new DelegateReconciler(async (_, token) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                observedCancel = true;
                throw;
            }

            return ReconcileResult.Done;
        });
        var loop = new ControllerLoop("FineTuneJob", reconciler, 1, () => [new NamespacedName("ns", "long")], NullLogger.Instance);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = loop.RunAsync(stop.Token);
        await started.Task.WaitAsync(Ct);
        await stop.CancelAsync();
        await run;

        Assert.True(observedCancel);
        Assert.False(loop.IsRunning);
    }

    internal static double Value(CollectorRegistry registry, string metric, string labels)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        var prefix = labels.Length == 0 ? metric + " " : metric + "{" + labels + "} ";
        var line = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class DelegateReconciler(Func<NamespacedName, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler
    {
        public Task<ReconcileResult> ReconcileAsync(NamespacedName key, CancellationToken cancellationToken) => reconcile(key, cancellationToken);
    }

    /// <summary>Answers each call with the next step of a script (then Done), and remembers the keys it saw.</summary>
    private sealed class ScriptedReconciler(params Func<NamespacedName, ReconcileResult>[] script) : IReconciler
    {
        private readonly Lock gate = new();
        private readonly List<NamespacedName> keys = [];
        private readonly SemaphoreSlim called = new(0);

        public int Calls
        {
            get
            {
                lock (gate)
                {
                    return keys.Count;
                }
            }
        }

        public IReadOnlyList<NamespacedName> Keys
        {
            get
            {
                lock (gate)
                {
                    return [.. keys];
                }
            }
        }

        public Task<ReconcileResult> ReconcileAsync(NamespacedName key, CancellationToken cancellationToken)
        {
            int index;
            lock (gate)
            {
                index = keys.Count;
                keys.Add(key);
            }

            try
            {
                return Task.FromResult(index < script.Length ? script[index](key) : ReconcileResult.Done);
            }
            finally
            {
                called.Release();
            }
        }

        public async Task WaitForCallsAsync(int count, CancellationToken cancellationToken)
        {
            for (var i = 0; i < count; i++)
            {
                await called.WaitAsync(cancellationToken);
            }
        }
    }
}
