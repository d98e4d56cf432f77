using Prometheus;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using Xunit;
using static TuneOperator.Controller.Tests.Runtime.ControllerLoopTests;

namespace TuneOperator.Controller.Tests.Metrics;

public sealed class OperatorMetricsTests
{
    [Fact]
    public void Reconciles_are_counted_by_controller_and_result_with_their_duration()
    {
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());

        metrics.Reconciled("FineTuneJob", ReconcileOutcome.Success, TimeSpan.FromMilliseconds(20));
        metrics.Reconciled("FineTuneJob", ReconcileOutcome.Success, TimeSpan.FromMilliseconds(40));
        metrics.Reconciled("FineTuneJob", ReconcileOutcome.Error, TimeSpan.FromMilliseconds(5));

        Assert.Equal(2, Value(metrics.Registry, "tuneoperator_reconcile_total", "controller=\"FineTuneJob\",result=\"success\""));
        Assert.Equal(1, Value(metrics.Registry, "tuneoperator_reconcile_total", "controller=\"FineTuneJob\",result=\"error\""));
        Assert.Equal(3, Value(metrics.Registry, "tuneoperator_reconcile_duration_seconds_count", "controller=\"FineTuneJob\""));
        Assert.Equal(0.065, Value(metrics.Registry, "tuneoperator_reconcile_duration_seconds_sum", "controller=\"FineTuneJob\""), 6);
    }

    [Fact]
    public async Task A_work_queue_reports_depth_latency_and_retries()
    {
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        using var queue = new WorkQueue<string>(observer: metrics.ForQueue("finetunejob"));

        queue.Add("a");
        queue.Add("b");
        queue.Add("c");
        await queue.GetAsync(TestContext.Current.CancellationToken);
        queue.AddRateLimited("a");

        Assert.Equal(2, Value(metrics.Registry, "tuneoperator_workqueue_depth", "queue=\"finetunejob\""));
        Assert.Equal(1, Value(metrics.Registry, "tuneoperator_workqueue_queue_duration_seconds_count", "queue=\"finetunejob\""));
        Assert.Equal(1, Value(metrics.Registry, "tuneoperator_workqueue_retries_total", "queue=\"finetunejob\""));
    }

    [Fact]
    public void Jobs_by_phase_drop_to_zero_when_a_phase_empties()
    {
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());

        metrics.SetJobsByPhase(new Dictionary<string, int> { ["Running"] = 3, ["Pending"] = 1 });
        metrics.SetJobsByPhase(new Dictionary<string, int> { ["Running"] = 2, ["Succeeded"] = 2 });

        Assert.Equal(2, Value(metrics.Registry, "tuneoperator_jobs", "phase=\"Running\""));
        Assert.Equal(0, Value(metrics.Registry, "tuneoperator_jobs", "phase=\"Pending\""));
        Assert.Equal(2, Value(metrics.Registry, "tuneoperator_jobs", "phase=\"Succeeded\""));
    }

    [Fact]
    public void Per_job_training_gauges_are_set_and_removed_when_the_job_goes_away()
    {
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());

        metrics.SetJobTraining("team-a", "llama-sft", new JobTrainingSample(120, Loss: 1.25, TokensPerSecond: 3400, EtaSeconds: 600,
            EvalMetrics: new Dictionary<string, double> { ["eval_loss"] = 1.5, ["accuracy"] = 0.8 }));
        metrics.SetJobTraining("team-a", "other", new JobTrainingSample(7));
        metrics.SetJobTraining("team-a", "llama-sft", new JobTrainingSample(130));

        const string job = "namespace=\"team-a\",name=\"llama-sft\"";
        Assert.Equal(130, Value(metrics.Registry, "tuneoperator_job_step", job));
        Assert.Equal(1.25, Value(metrics.Registry, "tuneoperator_job_loss", job));
        Assert.Equal(3400, Value(metrics.Registry, "tuneoperator_job_tokens_per_second", job));
        Assert.Equal(600, Value(metrics.Registry, "tuneoperator_job_eta_seconds", job));
        Assert.Equal(0.8, Value(metrics.Registry, "tuneoperator_job_eval_metric", job + ",metric=\"accuracy\""));

        metrics.RemoveJob("team-a", "llama-sft");

        Assert.True(double.IsNaN(Value(metrics.Registry, "tuneoperator_job_step", job)));
        Assert.True(double.IsNaN(Value(metrics.Registry, "tuneoperator_job_loss", job)));
        Assert.True(double.IsNaN(Value(metrics.Registry, "tuneoperator_job_eval_metric", job + ",metric=\"eval_loss\"")));
        Assert.Equal(7, Value(metrics.Registry, "tuneoperator_job_step", "namespace=\"team-a\",name=\"other\""));
    }

    [Fact]
    public void Leadership_is_a_gauge()
    {
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        metrics.SetLeader(true);
        Assert.Equal(1, Value(metrics.Registry, "tuneoperator_leader", string.Empty));
        metrics.SetLeader(false);
        Assert.Equal(0, Value(metrics.Registry, "tuneoperator_leader", string.Empty));
    }
}
