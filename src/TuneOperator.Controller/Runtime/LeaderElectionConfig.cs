namespace TuneOperator.Controller.Runtime;

/// <summary>Leader election on a coordination.k8s.io/v1 Lease, with client-go's timing parameters.</summary>
public sealed record LeaderElectionConfig
{
    /// <summary>The Lease's name.</summary>
    public required string LeaseName { get; init; }

    /// <summary>The Lease's namespace.</summary>
    public required string LeaseNamespace { get; init; }

    /// <summary>This replica's identity (written into holderIdentity), usually the pod name.</summary>
    public required string Identity { get; init; }

    /// <summary>How long non-leaders wait after the last observed change before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leadership.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
