using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, following client-go: a replica acquires the Lease when it is
/// free, released, or not renewed for <see cref="LeaderElectionConfig.LeaseDuration"/> (measured on the local clock from
/// the last change it observed, so clock skew between replicas does not matter); the leader renews every
/// <see cref="LeaderElectionConfig.RetryPeriod"/> and steps down when it cannot renew within
/// <see cref="LeaderElectionConfig.RenewDeadline"/>; on shutdown it releases the Lease so a standby takes over at once.
/// Updates use the Lease's resourceVersion, so two replicas never both win.
/// </summary>
public sealed class LeaderElector
{
    private readonly KubeApiClient client;
    private readonly LeaderElectionConfig config;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private string? observedVersion;
    private DateTimeOffset observedTime;
    private int state = (int)LeaderElectionState.Stopped;

    /// <summary>Creates an elector; call <see cref="RunAsync"/> to take part in the election.</summary>
    public LeaderElector(KubeApiClient client, LeaderElectionConfig config, ILogger logger, TimeProvider? timeProvider = null)
    {
        if (config.LeaseDuration <= config.RenewDeadline)
        {
            throw new ArgumentException("LeaseDuration must be greater than RenewDeadline.", nameof(config));
        }

        if (config.RenewDeadline <= config.RetryPeriod || config.RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException("RenewDeadline must be greater than RetryPeriod, and RetryPeriod positive.", nameof(config));
        }

        this.client = client;
        this.config = config;
        this.logger = logger;
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Where the elector stands now.</summary>
    public LeaderElectionState State => (LeaderElectionState)Volatile.Read(ref state);

    /// <summary>True while this replica holds the Lease.</summary>
    public bool IsLeader => State == LeaderElectionState.Leader;

    /// <summary>The holder this replica last saw in the Lease.</summary>
    public string? ObservedLeader { get; private set; }

    /// <summary>This replica's identity.</summary>
    public string Identity => config.Identity;

    /// <summary>
    /// Takes part in the election until <paramref name="cancellationToken"/> is cancelled. Each time this replica
    /// becomes leader it runs <paramref name="whileLeading"/> with a token that is cancelled when leadership is lost or
    /// on shutdown; after losing leadership it goes back to standby.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                SetState(LeaderElectionState.Standby);
                if (!await AcquireAsync(cancellationToken))
                {
                    break;
                }

                await LeadAsync(whileLeading, cancellationToken);
            }
        }
        finally
        {
            SetState(LeaderElectionState.Stopped);
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                if (await TryAcquireOrRenewAsync(cancellationToken))
                {
                    return true;
                }

                await Task.Delay(config.RetryPeriod, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private async Task LeadAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        SetState(LeaderElectionState.Leader);
        Log.BecameLeader(logger, config.Identity, config.LeaseNamespace, config.LeaseName);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => whileLeading(leading.Token), CancellationToken.None);
        var lastRenew = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            try
            {
                await Task.WhenAny(work, Task.Delay(config.RetryPeriod, time, cancellationToken));
                if (work.IsCompleted || cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (await TryAcquireOrRenewAsync(cancellationToken))
                {
                    lastRenew = time.GetUtcNow();
                    continue;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (time.GetUtcNow() - lastRenew >= config.RenewDeadline || ObservedLeader != config.Identity)
            {
                Log.LostLeadership(logger, config.Identity, ObservedLeader);
                break;
            }
        }

        await leading.CancelAsync();
        try
        {
            await work;
        }
        catch (OperationCanceledException)
        {
            // The leading work stops by cancellation.
        }
        catch (Exception ex)
        {
            Log.LeadingWorkFailed(logger, ex, config.Identity);
        }

        SetState(LeaderElectionState.Standby);
        await ReleaseAsync();
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await TryAcquireOrRenewOnceAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.LeaseCallFailed(logger, ex, config.LeaseNamespace, config.LeaseName);
            return false;
        }
    }

    private async Task<bool> TryAcquireOrRenewOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        V1Lease? lease;
        try
        {
            lease = await client.GetAsync<V1Lease>(ResourceType.Leases, config.LeaseNamespace, config.LeaseName, cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            lease = null;
        }
        catch (HttpOperationException ex)
        {
            Log.LeaseCallFailed(logger, ex, config.LeaseNamespace, config.LeaseName);
            return false;
        }

        if (lease is null)
        {
            var created = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = config.LeaseName, NamespaceProperty = config.LeaseNamespace },
                Spec = new V1LeaseSpec
                {
                    HolderIdentity = config.Identity,
                    LeaseDurationSeconds = (int)Math.Ceiling(config.LeaseDuration.TotalSeconds),
                    AcquireTime = now.UtcDateTime,
                    RenewTime = now.UtcDateTime,
                    LeaseTransitions = 0,
                },
            };
            try
            {
                var result = await client.CreateAsync(ResourceType.Leases, config.LeaseNamespace, created, cancellationToken);
                Observe(result, now);
                return true;
            }
            catch (HttpOperationException ex)
            {
                Log.LeaseCallFailed(logger, ex, config.LeaseNamespace, config.LeaseName);
                return false;
            }
        }

        Observe(lease, now);
        var spec = lease.Spec ??= new V1LeaseSpec();
        var holder = spec.HolderIdentity;
        var duration = spec.LeaseDurationSeconds is > 0 ? TimeSpan.FromSeconds(spec.LeaseDurationSeconds.Value) : config.LeaseDuration;
        if (!string.IsNullOrEmpty(holder) && holder != config.Identity && observedTime + duration > now)
        {
            return false;
        }

        if (holder != config.Identity)
        {
            spec.AcquireTime = now.UtcDateTime;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
            spec.HolderIdentity = config.Identity;
        }

        spec.RenewTime = now.UtcDateTime;
        spec.LeaseDurationSeconds = (int)Math.Ceiling(config.LeaseDuration.TotalSeconds);
        try
        {
            var result = await client.ReplaceAsync(ResourceType.Leases, config.LeaseNamespace, config.LeaseName, lease, cancellationToken);
            Observe(result, now);
            return true;
        }
        catch (HttpOperationException ex)
        {
            if (ex.Response?.StatusCode != HttpStatusCode.Conflict)
            {
                Log.LeaseCallFailed(logger, ex, config.LeaseNamespace, config.LeaseName);
            }

            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(config.RenewDeadline);
        try
        {
            var lease = await client.GetAsync<V1Lease>(ResourceType.Leases, config.LeaseNamespace, config.LeaseName, timeout.Token);
            if (lease.Spec?.HolderIdentity != config.Identity)
            {
                return;
            }

            var now = time.GetUtcNow().UtcDateTime;
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = now;
            lease.Spec.AcquireTime = now;
            await client.ReplaceAsync(ResourceType.Leases, config.LeaseNamespace, config.LeaseName, lease, timeout.Token);
            ObservedLeader = null;
            Log.ReleasedLease(logger, config.Identity, config.LeaseNamespace, config.LeaseName);
        }
        catch (Exception ex) when (ex is HttpOperationException or OperationCanceledException or HttpRequestException)
        {
            Log.LeaseCallFailed(logger, ex, config.LeaseNamespace, config.LeaseName);
        }
    }

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        ObservedLeader = lease.Spec?.HolderIdentity;
        if (lease.Metadata?.ResourceVersion != observedVersion)
        {
            observedVersion = lease.Metadata?.ResourceVersion;
            observedTime = now;
        }
    }

    private void SetState(LeaderElectionState value) => Volatile.Write(ref state, (int)value);
}
