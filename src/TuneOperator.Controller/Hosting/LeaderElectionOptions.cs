namespace TuneOperator.Controller.Hosting;

/// <summary>Leader election settings (section <c>Operator:LeaderElection</c>).</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>Whether replicas elect a leader; only the leader runs controllers. Turn off for a single replica.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The Lease's name.</summary>
    public string LeaseName { get; set; } = "tune-operator-leader";

    /// <summary>The Lease's namespace; empty means the operator's own namespace (POD_NAMESPACE or the service account's).</summary>
    public string LeaseNamespace { get; set; } = string.Empty;

    /// <summary>This replica's identity; empty means POD_NAME or the host name.</summary>
    public string Identity { get; set; } = string.Empty;

    /// <summary>How long standbys wait before taking over a Lease that is not renewed.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader tries to renew before stepping down.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between acquire or renew attempts.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
