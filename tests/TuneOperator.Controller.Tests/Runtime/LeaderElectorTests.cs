using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using TuneOperator.Controller.Runtime;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Runtime;

public sealed class LeaderElectorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LeaderElector Elector(IKubernetes client, string identity) => new(
        client.Api(),
        new LeaderElectionConfig
        {
            LeaseName = "tune-operator-leader",
            LeaseNamespace = "default",
            Identity = identity,
            LeaseDuration = TimeSpan.FromMilliseconds(1500),
            RenewDeadline = TimeSpan.FromMilliseconds(1000),
            RetryPeriod = TimeSpan.FromMilliseconds(100),
        },
        NullLogger.Instance);

    [Fact]
    public async Task Only_one_of_two_replicas_leads_and_the_other_takes_over_when_the_leader_stops()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var clientA = fake.CreateClient();
        using var clientB = fake.CreateClient();
        var a = Elector(clientA, "replica-a");
        var b = Elector(clientB, "replica-b");
        var leading = 0;
        var overlaps = 0;
        var terms = new List<string>();

        Func<CancellationToken, Task> Work(string identity) => async token =>
        {
            if (Interlocked.Increment(ref leading) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            lock (terms)
            {
                terms.Add(identity);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                Interlocked.Decrement(ref leading);
            }
        };

        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var runA = a.RunAsync(Work("replica-a"), stopA.Token);
        var runB = b.RunAsync(Work("replica-b"), stopB.Token);

        await KubeApiFake.WaitUntilAsync(() => a.IsLeader || b.IsLeader, Wait, "a leader is elected", Ct);
        await Task.Delay(600, Ct);
        Assert.True(a.IsLeader ^ b.IsLeader);
        var (leader, leaderStop, leaderRun, standby) = a.IsLeader ? (a, stopA, runA, b) : (b, stopB, runB, a);
        Assert.Equal(LeaderElectionState.Standby, standby.State);
        Assert.Equal(leader.Identity, standby.ObservedLeader);
        Assert.Equal(leader.Identity, fake.Get<V1Lease>("default", "tune-operator-leader")!.Spec.HolderIdentity);

        await leaderStop.CancelAsync();
        await leaderRun;
        Assert.Equal(LeaderElectionState.Stopped, leader.State);
        await KubeApiFake.WaitUntilAsync(() => standby.IsLeader, Wait, "the standby takes over", Ct);

        var lease = fake.Get<V1Lease>("default", "tune-operator-leader")!;
        Assert.Equal(standby.Identity, lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        Assert.Equal(0, overlaps);
        Assert.Equal([leader.Identity, standby.Identity], terms);

        var otherStop = standby == a ? stopA : stopB;
        await otherStop.CancelAsync();
        await Task.WhenAll(runA, runB);
        Assert.Null(fake.Get<V1Lease>("default", "tune-operator-leader")!.Spec.HolderIdentity);
    }

    [Fact]
    public async Task A_lease_held_by_a_replica_that_stopped_renewing_is_taken_over_after_the_lease_duration()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        await client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = "tune-operator-leader", NamespaceProperty = "default" },
                Spec = new V1LeaseSpec { HolderIdentity = "crashed", LeaseDurationSeconds = 1, RenewTime = DateTime.UtcNow, LeaseTransitions = 3 },
            },
            "default",
            cancellationToken: Ct);
        var elector = Elector(client, "replica-a");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = elector.RunAsync(token => Task.Delay(Timeout.Infinite, token), stop.Token);

        await Task.Delay(300, Ct);
        Assert.False(elector.IsLeader);
        Assert.Equal("crashed", elector.ObservedLeader);
        await KubeApiFake.WaitUntilAsync(() => elector.IsLeader, Wait, "the stale lease is taken over", Ct);
        Assert.Equal(4, fake.Get<V1Lease>("default", "tune-operator-leader")!.Spec.LeaseTransitions);

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_steps_down_and_its_work_is_cancelled()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var client = fake.CreateClient();
        var elector = Elector(client, "replica-a");
        var workCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = elector.RunAsync(
            async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                finally
                {
                    workCancelled.TrySetResult();
                }
            },
            stop.Token);
        await KubeApiFake.WaitUntilAsync(() => elector.IsLeader, Wait, "the replica leads", Ct);

        var fault = fake.Faults.Add(FaultRule.Errors(500, resource: "leases"));
        await workCancelled.Task.WaitAsync(Wait, Ct);
        Assert.False(elector.IsLeader);
        fake.Faults.Remove(fault);

        await stop.CancelAsync();
        await run;
    }
}
