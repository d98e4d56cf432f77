using TuneOperator.Controller.Runtime;
using Xunit;

namespace TuneOperator.Controller.Tests.Runtime;

public sealed class WorkQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_added_while_queued_is_merged()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync(Ct)).Key);
        Assert.Equal("b", (await queue.GetAsync(Ct)).Key);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_key_in_processing_is_not_handed_out_again_until_done_and_then_comes_back_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var (first, _) = await queue.GetAsync(Ct);
        Assert.Equal("a", first);

        queue.Add("a");
        queue.Add("a");
        Assert.Equal(0, queue.Count);
        var second = queue.GetAsync(Ct).AsTask();
        Assert.False(second.IsCompleted);

        queue.Done("a");
        Assert.Equal(("a", false), await second);
        queue.Done("a");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Concurrent_workers_never_process_the_same_key_at_once_and_every_add_is_seen()
    {
        using var queue = new WorkQueue<int>();
        var inFlight = new HashSet<int>();
        var overlaps = 0;
        var processed = 0;
        var lastAdd = new int[4];
        var lastSeen = new int[4];

        async Task Worker()
        {
            while (true)
            {
                var (key, shutDown) = await queue.GetAsync(Ct);
                if (shutDown)
                {
                    return;
                }

                lock (inFlight)
                {
                    if (!inFlight.Add(key))
                    {
                        overlaps++;
                    }

                    lastSeen[key] = Volatile.Read(ref lastAdd[key]);
                }

                await Task.Yield();
                lock (inFlight)
                {
                    inFlight.Remove(key);
                    processed++;
                }

                queue.Done(key);
            }
        }

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(Worker, Ct)).ToArray();
        for (var i = 1; i <= 2000; i++)
        {
            var key = i % 4;
            Volatile.Write(ref lastAdd[key], i);
            queue.Add(key);
            if (i % 100 == 0)
            {
                await Task.Yield();
            }
        }

        await queue.ShutDownWithDrainAsync(Ct);
        await Task.WhenAll(workers);

        Assert.Equal(0, overlaps);
        Assert.InRange(processed, 4, 2000);
        for (var key = 0; key < 4; key++)
        {
            Assert.Equal(lastAdd[key], lastSeen[key]);
        }
    }

    [Fact]
    public void Backoff_doubles_per_failure_up_to_the_cap()
    {
        using var queue = new WorkQueue<string>(options: new WorkQueueOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromSeconds(1) });

        Assert.Equal(TimeSpan.FromMilliseconds(10), queue.BackoffFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(20), queue.BackoffFor(2));
        Assert.Equal(TimeSpan.FromMilliseconds(640), queue.BackoffFor(7));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.BackoffFor(8));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.BackoffFor(1000));
    }

    [Fact]
    public void Rate_limited_adds_wait_their_backoff_and_forget_resets_it()
    {
        var time = new ManualTimeProvider();
        var observer = new CountingObserver();
        using var queue = new WorkQueue<string>(time, new WorkQueueOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(60) }, observer);

        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        Assert.Equal(2, queue.NumRequeues("a"));
        Assert.Equal(2, observer.Retries);

        // The first retry was scheduled at +1s, the second at +2s: the earlier time wins.
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
    }

    [Fact]
    public async Task AddAfter_adds_the_key_when_its_time_comes_and_the_earliest_schedule_wins()
    {
        var time = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(time);

        queue.AddAfter("a", TimeSpan.FromSeconds(30));
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(20));
        Assert.Equal(1, time.ActiveTimers);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal("a", (await queue.GetAsync(Ct)).Key);
    }

    [Fact]
    public async Task Shutdown_drains_queued_keys_then_reports_shutdown_and_ignores_new_keys()
    {
        var time = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(time);
        queue.Add("a");
        queue.Add("b");
        queue.AddAfter("c", TimeSpan.FromSeconds(1));
        using var waiting = new WorkQueue<string>();
        var blocked = waiting.GetAsync(Ct).AsTask();

        queue.ShutDown();
        waiting.ShutDown();
        queue.Add("d");
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(queue.IsShuttingDown);
        Assert.Equal("a", (await queue.GetAsync(Ct)).Key);
        Assert.Equal("b", (await queue.GetAsync(Ct)).Key);
        Assert.True((await queue.GetAsync(Ct)).ShutDown);
        Assert.True((await blocked).ShutDown);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task Shutdown_with_drain_waits_for_the_key_in_processing()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var (key, _) = await queue.GetAsync(Ct);

        var drained = queue.ShutDownWithDrainAsync(Ct);
        Assert.False(drained.IsCompleted);
        queue.Done(key!);
        await drained;
    }

    [Fact]
    public async Task The_observer_sees_depth_and_latency()
    {
        var time = new ManualTimeProvider();
        var observer = new CountingObserver();
        using var queue = new WorkQueue<string>(time, observer: observer);
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, observer.Depth);

        time.Advance(TimeSpan.FromSeconds(3));
        await queue.GetAsync(Ct);

        Assert.Equal(1, observer.Depth);
        Assert.Equal(TimeSpan.FromSeconds(3), observer.LastLatency);
    }

    private sealed class CountingObserver : IWorkQueueObserver
    {
        public int Depth { get; private set; }

        public TimeSpan LastLatency { get; private set; }

        public int Retries { get; private set; }

        public void DepthChanged(int depth) => Depth = depth;

        public void Dequeued(TimeSpan latency) => LastLatency = latency;

        public void Retried() => Retries++;
    }
}
