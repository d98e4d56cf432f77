using Prometheus;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.Metrics;

/// <summary>
/// The operator's Prometheus metrics (all named <c>tuneoperator_*</c>) on an injected <see cref="CollectorRegistry"/>:
/// reconciles by controller and result, reconcile duration, work queue depth, latency and retries, jobs by phase,
/// leadership, and per-job training gauges whose series are removed when the job goes away.
/// </summary>
public sealed class OperatorMetrics : IControllerObserver
{
    private readonly Counter reconciles;
    private readonly Histogram reconcileDuration;
    private readonly Gauge queueDepth;
    private readonly Histogram queueLatency;
    private readonly Counter queueRetries;
    private readonly Gauge jobsByPhase;
    private readonly Gauge leader;
    private readonly Gauge jobStep;
    private readonly Gauge jobLoss;
    private readonly Gauge jobEvalMetric;
    private readonly Gauge jobTokensPerSecond;
    private readonly Gauge jobEtaSeconds;
    private readonly Lock gate = new();
    private readonly HashSet<string> knownPhases = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), HashSet<string>> evalMetricNames = [];

    /// <summary>Creates the metrics on <paramref name="registry"/>.</summary>
    public OperatorMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        reconciles = factory.CreateCounter(
            "tuneoperator_reconcile_total", "Reconciles by controller and result (success, requeue, error, terminal).", ["controller", "result"]);
        reconcileDuration = factory.CreateHistogram(
            "tuneoperator_reconcile_duration_seconds", "Time one reconcile took.", ["controller"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        queueDepth = factory.CreateGauge("tuneoperator_workqueue_depth", "Keys waiting in the work queue.", ["queue"]);
        queueLatency = factory.CreateHistogram(
            "tuneoperator_workqueue_queue_duration_seconds", "Time a key waited in the work queue before a worker took it.", ["queue"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 18) });
        queueRetries = factory.CreateCounter("tuneoperator_workqueue_retries_total", "Keys requeued with backoff after a failure.", ["queue"]);
        jobsByPhase = factory.CreateGauge("tuneoperator_jobs", "FineTuneJobs by phase.", ["phase"]);
        leader = factory.CreateGauge("tuneoperator_leader", "1 while this replica is the leader, else 0.");
        string[] jobLabels = ["namespace", "name"];
        jobStep = factory.CreateGauge("tuneoperator_job_step", "The training step a job reached.", jobLabels);
        jobLoss = factory.CreateGauge("tuneoperator_job_loss", "A job's latest training loss.", jobLabels);
        jobEvalMetric = factory.CreateGauge("tuneoperator_job_eval_metric", "A job's latest evaluation metric values.", ["namespace", "name", "metric"]);
        jobTokensPerSecond = factory.CreateGauge("tuneoperator_job_tokens_per_second", "A job's training throughput in tokens per second.", jobLabels);
        jobEtaSeconds = factory.CreateGauge("tuneoperator_job_eta_seconds", "A job's estimated seconds to completion.", jobLabels);
    }

    /// <summary>The registry the metrics live on.</summary>
    public CollectorRegistry Registry { get; }

    /// <inheritdoc />
    public void Reconciled(string controller, ReconcileOutcome outcome, TimeSpan duration)
    {
        reconciles.WithLabels(controller, OutcomeLabel(outcome)).Inc();
        reconcileDuration.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    /// <summary>An observer that records a named work queue's depth, latency and retries.</summary>
    public IWorkQueueObserver ForQueue(string queueName) => new QueueObserver(this, queueName);

    /// <summary>Sets leadership (1 leader, 0 standby).</summary>
    public void SetLeader(bool isLeader) => leader.Set(isLeader ? 1 : 0);

    /// <summary>Sets the number of jobs in each phase; phases seen before and absent now drop to zero.</summary>
    public void SetJobsByPhase(IReadOnlyDictionary<string, int> countsByPhase)
    {
        lock (gate)
        {
            foreach (var phase in knownPhases)
            {
                if (!countsByPhase.ContainsKey(phase))
                {
                    jobsByPhase.WithLabels(phase).Set(0);
                }
            }

            foreach (var (phase, count) in countsByPhase)
            {
                knownPhases.Add(phase);
                jobsByPhase.WithLabels(phase).Set(count);
            }
        }
    }

    /// <summary>
    /// Counts jobs by phase with <paramref name="countsByPhase"/> each time the registry is collected (a scrape), so
    /// the count costs nothing between scrapes and never runs on the reconcile path.
    /// </summary>
    public void TrackJobsByPhase(Func<IReadOnlyDictionary<string, int>> countsByPhase) =>
        Registry.AddBeforeCollectCallback(() => SetJobsByPhase(countsByPhase()));

    /// <summary>Records a job's latest training numbers; a value that is not known leaves its gauge untouched.</summary>
    public void SetJobTraining(string namespaceName, string name, JobTrainingSample sample)
    {
        jobStep.WithLabels(namespaceName, name).Set(sample.Step);
        if (sample.Loss is { } loss)
        {
            jobLoss.WithLabels(namespaceName, name).Set(loss);
        }

        if (sample.TokensPerSecond is { } tokens)
        {
            jobTokensPerSecond.WithLabels(namespaceName, name).Set(tokens);
        }

        if (sample.EtaSeconds is { } eta)
        {
            jobEtaSeconds.WithLabels(namespaceName, name).Set(eta);
        }

        if (sample.EvalMetrics is { Count: > 0 } metrics)
        {
            lock (gate)
            {
                if (!evalMetricNames.TryGetValue((namespaceName, name), out var names))
                {
                    names = new HashSet<string>(StringComparer.Ordinal);
                    evalMetricNames[(namespaceName, name)] = names;
                }

                foreach (var (metric, value) in metrics)
                {
                    names.Add(metric);
                    jobEvalMetric.WithLabels(namespaceName, name, metric).Set(value);
                }
            }
        }
    }

    /// <summary>Removes every per-job series of a job that went away.</summary>
    public void RemoveJob(string namespaceName, string name)
    {
        foreach (var gauge in new[] { jobStep, jobLoss, jobTokensPerSecond, jobEtaSeconds })
        {
            gauge.RemoveLabelled(namespaceName, name);
        }

        lock (gate)
        {
            if (evalMetricNames.Remove((namespaceName, name), out var names))
            {
                foreach (var metric in names)
                {
                    jobEvalMetric.RemoveLabelled(namespaceName, name, metric);
                }
            }
        }
    }

    private static string OutcomeLabel(ReconcileOutcome outcome) => outcome switch
    {
        ReconcileOutcome.Success => "success",
        ReconcileOutcome.Requeue => "requeue",
        ReconcileOutcome.Error => "error",
        ReconcileOutcome.Terminal => "terminal",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown reconcile outcome."),
    };

    private sealed class QueueObserver(OperatorMetrics metrics, string queueName) : IWorkQueueObserver
    {
        public void DepthChanged(int depth) => metrics.queueDepth.WithLabels(queueName).Set(depth);

        public void Dequeued(TimeSpan latency) => metrics.queueLatency.WithLabels(queueName).Observe(latency.TotalSeconds);

        public void Retried() => metrics.queueRetries.WithLabels(queueName).Inc();
    }
}
