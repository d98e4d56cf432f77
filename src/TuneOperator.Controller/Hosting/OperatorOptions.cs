namespace TuneOperator.Controller.Hosting;

/// <summary>
/// The operator's options, bound from the <c>Operator</c> configuration section: appsettings, environment variables
/// (<c>Operator__Workers=8</c>) or the command line (<c>--workers 8</c>, <c>--Operator:Workers=8</c>).
/// </summary>
public sealed class OperatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Operator";

    /// <summary>Comma-separated namespaces to watch; empty watches all namespaces.</summary>
    public string WatchNamespaces { get; set; } = string.Empty;

    /// <summary>The trainer image the operator runs for jobs that do not name their own.</summary>
    public string TrainerImage { get; set; } = string.Empty;

    /// <summary>The port of <c>/metrics</c>.</summary>
    public int MetricsPort { get; set; } = 8080;

    /// <summary>The port of <c>/healthz</c> and <c>/readyz</c>.</summary>
    public int HealthPort { get; set; } = 8081;

    /// <summary>Reconcile workers per controller.</summary>
    public int Workers { get; set; } = 4;

    /// <summary>A kubeconfig file to use outside a cluster; empty uses KUBECONFIG or ~/.kube/config.</summary>
    public string Kubeconfig { get; set; } = string.Empty;

    /// <summary>A watch silent for this long is reconnected.</summary>
    public TimeSpan WatchdogTimeout { get; set; } = TimeSpan.FromMinutes(6);

    /// <summary>Serves <c>POST /debug/gc</c> on the health port (benchmarks only); off by default.</summary>
    public bool DebugEndpoints { get; set; }

    /// <summary>Leader election.</summary>
    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>The port the operator dials on a trainer pod's IP (the pod listens on 50051; tests point it elsewhere).</summary>
    public int TrainerPort { get; set; } = 50051;

    /// <summary>At most one status write per job per this interval for progress and metrics (important events write at once).</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a Checkpoint() before suspend, deletion or eviction may take before the operator goes on.</summary>
    public TimeSpan CheckpointTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The namespaces to watch, parsed; empty means all.</summary>
    public IReadOnlyList<string> Namespaces() =>
        [.. WatchNamespaces.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];
}
