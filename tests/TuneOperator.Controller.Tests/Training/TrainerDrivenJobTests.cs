using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using TuneOperator.Protos;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Training;

/// <summary>The operator driving a scripted gRPC trainer through the API fake; assertions are on the job's status.</summary>
public sealed class TrainerDrivenJobTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FineTuneJob NewJob(string name, string? fromJob = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new FineTuneJobSpec
        {
            Model = fromJob is null ? new ModelSpec { Source = "pvc://models/base" } : new ModelSpec { FromJob = fromJob },
            Dataset = new DatasetSpec { Train = "pvc://data/train.jsonl", Format = DatasetFormat.Instruction },
            Output = new OutputSpec { Location = "pvc://results/" + name },
            Checkpoint = new CheckpointSpec { KeepLast = 2 },
        },
    };

    private sealed class Harness : IAsyncDisposable
    {
        public required KubeApiFake Fake { get; init; }

        public required Kubernetes Client { get; init; }

        public required ScriptedTrainer Trainer { get; init; }

        public OperatorHost? Host { get; set; }

        public OperatorMetrics? Metrics { get; set; }

        public async Task StartOperatorAsync(TimeSpan statusInterval)
        {
            var options = Options.Create(new OperatorOptions
            {
                TrainerImage = "tune-trainer:dev",
                Workers = 2,
                LeaderElection = new LeaderElectionOptions { Enabled = false, Identity = "test" },
                TrainerPort = Trainer.Port,
                StatusInterval = statusInterval,
                CheckpointTimeout = TimeSpan.FromSeconds(5),
            });
            var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
            Metrics = metrics;
            var set = new FineTuneJobControllerSet(Client.Api(), options, metrics, NullLoggerFactory.Instance, TimeProvider.System);
            Host = new OperatorHost(Client.Api(), [set], options, new OperatorHealth(), metrics, NullLoggerFactory.Instance, TimeProvider.System);
            await Host.StartAsync(Ct);
        }

        public async Task StopOperatorAsync()
        {
            if (Host is not null)
            {
                await Host.StopAsync(Ct);
                Host.Dispose();
                Host = null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopOperatorAsync();
            await Trainer.DisposeAsync();
            Client.Dispose();
            await Fake.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync(TimeSpan? statusInterval = null)
    {
        var fake = await CrdFake.StartAsync();
        var harness = new Harness { Fake = fake, Client = fake.CreateClient(), Trainer = await ScriptedTrainer.StartAsync(Ct) };
        await harness.StartOperatorAsync(statusInterval ?? TimeSpan.FromMilliseconds(200));
        return harness;
    }

    private static Task CreateAsync(Harness h, FineTuneJob job) =>
        h.Client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, cancellationToken: Ct);

    // What a kubelet writes once the trainer container is up and its readiness probe passes.
    private static void MakeReady(KubeApiFake fake, string pod) =>
        fake.Modify<V1Pod>("default", pod, p => p.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "127.0.0.1",
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }],
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = TrainerPodBuilder.ContainerName, Image = "tune-trainer:dev", ImageID = "", Ready = true, RestartCount = 0,
                    State = new V1ContainerState { Running = new V1ContainerStateRunning() },
                },
            ],
        });

    private static async Task<FineTuneJob> WaitForJobAsync(KubeApiFake fake, string name, Func<FineTuneJob, bool> condition, string what)
    {
        var type = fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        FineTuneJob? found = null;
        await KubeApiFake.WaitUntilAsync(
            () => fake.Get(type, "default", name) is { } json && condition(found = KubernetesJson.Deserialize<FineTuneJob>(json.ToJsonString())),
            Wait, what, Ct);
        return found!;
    }

    private static Task WaitAsync(Func<bool> condition, string what) => KubeApiFake.WaitUntilAsync(condition, Wait, what, Ct);

    private static string Token(KubeApiFake fake, string job)
    {
        var secret = fake.Get<V1Secret>("default", TrainerPodBuilder.TokenSecretName(job))!;
        return secret.Data is { } data && data.TryGetValue(TrainerPodBuilder.TokenKey, out var bytes)
            ? Encoding.UTF8.GetString(bytes)
            : secret.StringData[TrainerPodBuilder.TokenKey];
    }

    [Fact]
    public async Task A_ready_pod_is_started_with_the_local_plan_and_its_events_become_the_status_with_progress_throttled()
    {
        // An hour between progress-only writes: only important events may write.
        await using var h = await StartAsync(TimeSpan.FromHours(1));
        await CreateAsync(h, NewJob("sft"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-sft-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-sft-1");

        await WaitAsync(() => h.Trainer.Starts.Count > 0 && h.Trainer.WatchFroms.Count > 0, "the operator starts and watches the trainer");
        var start = h.Trainer.Starts[0];
        Assert.Equal(1, start.Attempt);
        Assert.Equal("sft", start.JobName);
        Assert.Equal(string.Empty, start.ResumeFrom);
        var plan = JsonNode.Parse(start.PlanJson)!;
        Assert.Equal("/mnt/pvc/models/base", (string?)plan["model"]!["source"]);
        Assert.Equal("/mnt/pvc/data/train.jsonl", (string?)plan["dataset"]!["train"]);
        Assert.All(h.Trainer.Tokens, t => Assert.Equal("Bearer " + Token(h.Fake, "sft"), t));
        var running = await WaitForJobAsync(h.Fake, "sft", j => j.Status?.Phase == JobPhase.Running, "the job runs");

        h.Trainer.Progress(40, 100);
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        var throttled = await WaitForJobAsync(h.Fake, "sft", _ => true, "read the job");
        Assert.Null(throttled.Status!.Progress);

        h.Trainer.SaveCheckpoint(0.9);
        var checkpointed = await WaitForJobAsync(h.Fake, "sft", j => j.Status?.Checkpoints is { Count: 1 }, "a checkpoint is written at once");
        Assert.Equal(40, checkpointed.Status!.Progress!.Step);
        Assert.Equal(40, checkpointed.Status.Progress.Percent);
        Assert.Equal(1.6, checkpointed.Status.Metrics![MetricNames.TrainLoss], 6);
        Assert.Equal("/mnt/pvc/results/ckpt/step-40", checkpointed.Status.BestCheckpoint!.Path);
        Assert.Equal(40, Runtime.ControllerLoopTests.Value(h.Metrics!.Registry, "tuneoperator_job_step", "namespace=\"default\",name=\"sft\""));
        Assert.Equal(1.6, Runtime.ControllerLoopTests.Value(h.Metrics.Registry, "tuneoperator_job_loss", "namespace=\"default\",name=\"sft\""), 6);

        h.Trainer.Progress(60, 100);
        h.Trainer.SaveCheckpoint(0.8);
        h.Trainer.Progress(80, 100);
        h.Trainer.SaveCheckpoint(0.85);
        h.Trainer.Append(new TrainerEvent { Eval = new EvalResult { Step = 0, Values = { ["eval_loss"] = 2.5, ["accuracy"] = 0.3 } } });
        h.Trainer.Append(new TrainerEvent { Eval = new EvalResult { Step = 80, Values = { ["eval_loss"] = 0.85, ["accuracy"] = 0.7 } } });
        h.Trainer.Append(new TrainerEvent
        {
            Completed = new Completed
            {
                OutputPath = "pvc://results/sft", OutputDigest = "sha256:" + new string('b', 64), Reason = "Completed",
                Lineage = new Lineage { BaseModelDigest = "sha256:base", DatasetDigest = "sha256:data", SpecHash = "sha256:spec" },
            },
        });

        var done = await WaitForJobAsync(h.Fake, "sft", j => j.Status?.Phase == JobPhase.Succeeded, "the job succeeds on the completed event");
        var status = done.Status!;
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready));
        Assert.Equal("pvc://results/sft", status.Output!.Path);
        Assert.Equal("sha256:" + new string('b', 64), status.Output.Digest);
        Assert.Equal("sha256:base", status.Lineage!.BaseModelDigest);
        Assert.Equal("sha256:spec", status.Lineage.SpecHash);
        Assert.Equal([60L, 80L], status.Checkpoints!.Select(c => c.Step));
        Assert.Equal(60, status.BestCheckpoint!.Step);
        Assert.Equal(0.85, status.Metrics![MetricNames.EvalLoss], 6);
        Assert.Equal(0.7, status.Metrics["evalAccuracy"], 6);
        Assert.Equal(2.5, status.BaselineMetrics![MetricNames.EvalLoss], 6);
        Assert.Equal(0.3, status.BaselineMetrics["evalAccuracy"], 6);
        Assert.Equal(80, status.Progress!.Step);
        Assert.Single(h.Trainer.Starts.Select(s => s.Attempt).Distinct());
        Assert.True(running.Metadata.Finalizers.Contains(FineTuneJobReconciler.CheckpointFinalizer));
    }

    [Fact]
    public async Task A_dropped_stream_is_resumed_from_the_last_sequence_without_losing_events()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("drop"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-drop-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-drop-1");
        h.Trainer.Progress(10, 100);
        h.Trainer.SaveCheckpoint(1.0);
        await WaitForJobAsync(h.Fake, "drop", j => j.Status?.Checkpoints is { Count: 1 }, "the first checkpoint arrives");

        h.Trainer.DropStreams();
        h.Trainer.Progress(20, 100);
        h.Trainer.SaveCheckpoint(0.5);
        var after = await WaitForJobAsync(h.Fake, "drop", j => j.Status?.Checkpoints is { Count: 2 } && j.Status.Progress?.Step == 20, "events after the drop arrive");

        Assert.Equal([10L, 20L], after.Status!.Checkpoints!.Select(c => c.Step));
        Assert.True(h.Trainer.WatchFroms.Count >= 2);
        Assert.Equal(11, h.Trainer.WatchFroms[1]);
        await WaitForJobAsync(h.Fake, "drop", j => FineTuneJobReconciler.PersistedSequence(j, 1) == 22, "the last sequence is persisted");
    }

    [Fact]
    public async Task A_restarted_operator_resumes_the_watch_from_the_persisted_sequence()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("restart"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-restart-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-restart-1");
        h.Trainer.Progress(5, 50);
        h.Trainer.SaveCheckpoint(1.0);
        await WaitForJobAsync(h.Fake, "restart", j => FineTuneJobReconciler.PersistedSequence(j, 1) == 6, "sequence 6 is persisted");

        await h.StopOperatorAsync();
        h.Trainer.Progress(8, 50);
        h.Trainer.SaveCheckpoint(0.5);
        await h.StartOperatorAsync(TimeSpan.FromMilliseconds(200));

        var resumed = await WaitForJobAsync(h.Fake, "restart", j => j.Status?.Checkpoints is { Count: 2 }, "the event sent while no operator ran arrives");
        Assert.Equal([5L, 8L], resumed.Status!.Checkpoints!.Select(c => c.Step));
        Assert.Equal(6, h.Trainer.WatchFroms[^1]);
        Assert.Single(h.Fake.List<V1Pod>("default"));
    }

    [Fact]
    public async Task A_permanent_trainer_failure_stalls_the_job_with_the_trainers_reason_and_message_and_no_retry()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("bad"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-bad-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-bad-1");
        h.Trainer.Append(new TrainerEvent { Failed = new Failed { Reason = "InvalidDataset", Message = "line 3 of train.jsonl is not JSON", Permanent = true } });

        var failed = await WaitForJobAsync(h.Fake, "bad", j => j.Status?.Phase == JobPhase.Failed, "the job fails");
        var stalled = Conditions.Find(failed.Status!.Conditions, ConditionTypes.Stalled)!;
        Assert.Equal(ConditionStatus.True, stalled.Status);
        Assert.Equal("InvalidDataset", stalled.Reason);
        Assert.Equal("line 3 of train.jsonl is not JSON", stalled.Message);
        await WaitAsync(() => h.Fake.Get<V1Pod>("default", "tune-bad-1") is not { Metadata.DeletionTimestamp: null }, "the pod is deleted");
        Assert.Null(h.Fake.Get<V1Pod>("default", "tune-bad-2"));
    }

    [Fact]
    public async Task Suspend_checkpoints_first_and_resume_starts_the_next_attempt_from_that_checkpoint()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("pause"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-pause-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-pause-1");
        h.Trainer.Progress(30, 100);
        await WaitForJobAsync(h.Fake, "pause", j => j.Status?.Progress?.Step == 30, "progress arrives");

        await PatchRunPolicyAsync(h, "pause", suspend: true);
        var suspended = await WaitForJobAsync(h.Fake, "pause", j => j.Status?.Phase == JobPhase.Suspended, "the job suspends");
        Assert.Equal(1, h.Trainer.CheckpointCalls);
        Assert.Equal(30, suspended.Status!.Checkpoints!.Last().Step);
        await WaitAsync(() => h.Fake.Get<V1Pod>("default", "tune-pause-1") is not { Metadata.DeletionTimestamp: null }, "the pod is deleted");
        h.Fake.FinishPodTermination("default", "tune-pause-1");

        await PatchRunPolicyAsync(h, "pause", suspend: false);
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-pause-2", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-pause-2");
        await WaitAsync(() => h.Trainer.Starts.Any(s => s.Attempt == 2), "the second attempt starts");
        Assert.Equal("/mnt/pvc/results/ckpt/step-30", h.Trainer.Starts.Single(s => s.Attempt == 2).ResumeFrom);
        var resumed = await WaitForJobAsync(h.Fake, "pause", j => j.Status?.Phase == JobPhase.Running, "the job runs again");
        Assert.Equal(0, resumed.Status!.Failures);
    }

    [Fact]
    public async Task An_evicted_pod_checkpoints_and_the_next_attempt_resumes_without_consuming_the_backoff_limit()
    {
        await using var h = await StartAsync();
        var job = NewJob("evict");
        job.Spec.RunPolicy.BackoffLimit = 0;
        await CreateAsync(h, job);
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-evict-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-evict-1");
        h.Trainer.Progress(12, 100);
        await WaitForJobAsync(h.Fake, "evict", j => j.Status?.Progress?.Step == 12, "progress arrives");

        h.Fake.Modify<V1Pod>("default", "tune-evict-1", p => p.Status.Conditions =
            [new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "EvictionByEvictionAPI" }]);
        await WaitForJobAsync(h.Fake, "evict", j => j.Status?.Checkpoints?.LastOrDefault()?.Step == 12, "the eviction checkpoint is in status");
        Assert.Equal(1, h.Trainer.CheckpointCalls);
        h.Fake.Modify<V1Pod>("default", "tune-evict-1", p =>
        {
            p.Status.Phase = "Failed";
            p.Status.Reason = "Evicted";
        });

        await h.Fake.WaitForAsync<V1Pod>("default", "tune-evict-2", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-evict-2");
        await WaitAsync(() => h.Trainer.Starts.Any(s => s.Attempt == 2), "the second attempt starts");
        Assert.Equal("/mnt/pvc/results/ckpt/step-12", h.Trainer.Starts.Single(s => s.Attempt == 2).ResumeFrom);
        var running = await WaitForJobAsync(h.Fake, "evict", j => j.Status?.Phase == JobPhase.Running && j.Status.Restarts == 1, "the job runs again");
        Assert.Equal(0, running.Status!.Failures);
    }

    [Fact]
    public async Task A_child_job_waits_for_its_parent_then_starts_from_the_parents_output()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("child", fromJob: "parent"));
        var waiting = await WaitForJobAsync(h.Fake, "child", j => j.Status?.Phase == JobPhase.Pending, "the child waits");
        Assert.Equal(ConditionReasons.SourceJobNotReady, Conditions.Find(waiting.Status!.Conditions, ConditionTypes.Ready)!.Reason);
        Assert.Empty(h.Fake.List<V1Pod>("default"));

        await CreateAsync(h, NewJob("parent"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-parent-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-parent-1");
        h.Trainer.Append(new TrainerEvent { Completed = new Completed { OutputPath = "pvc://results/parent", Reason = "Completed" } });
        await WaitForJobAsync(h.Fake, "parent", j => j.Status?.Phase == JobPhase.Succeeded, "the parent succeeds");

        await h.Fake.WaitForAsync<V1Pod>("default", "tune-child-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-child-1");
        await WaitAsync(() => h.Trainer.Starts.Any(s => s.JobName == "child"), "the child starts");
        var plan = JsonNode.Parse(h.Trainer.Starts.Single(s => s.JobName == "child").PlanJson)!;
        Assert.Equal("/mnt/pvc/results/parent", (string?)plan["model"]!["source"]);
        Assert.Null(plan["model"]!["fromJob"]);
    }

    [Fact]
    public async Task A_child_of_a_failed_parent_stalls_with_source_job_failed()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("parent"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-parent-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-parent-1");
        h.Trainer.Append(new TrainerEvent { Failed = new Failed { Reason = "ModelLoadFailed", Message = "no config.json", Permanent = true } });
        await WaitForJobAsync(h.Fake, "parent", j => j.Status?.Phase == JobPhase.Failed, "the parent fails");

        await CreateAsync(h, NewJob("child", fromJob: "parent"));
        var failed = await WaitForJobAsync(h.Fake, "child", j => j.Status?.Phase == JobPhase.Failed, "the child fails");
        Assert.Equal(ConditionReasons.SourceJobFailed, Conditions.Find(failed.Status!.Conditions, ConditionTypes.Stalled)!.Reason);
        Assert.Null(h.Fake.Get<V1Pod>("default", "tune-child-1"));
    }

    [Fact]
    public async Task Deleting_a_running_job_checkpoints_removes_the_finalizer_and_collects_the_owned_objects()
    {
        await using var h = await StartAsync();
        await CreateAsync(h, NewJob("gone"));
        await h.Fake.WaitForAsync<V1Pod>("default", "tune-gone-1", _ => true, Wait, Ct);
        MakeReady(h.Fake, "tune-gone-1");
        h.Trainer.Progress(7, 100);
        await WaitForJobAsync(h.Fake, "gone", j => j.Status?.Progress?.Step == 7 && j.Metadata.Finalizers?.Count > 0, "progress arrives");

        await h.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, "gone", cancellationToken: Ct);
        var type = h.Fake.Resource(ApiGroup.Group, ApiGroup.Version, FineTuneJob.Plural);
        await h.Fake.WaitForDeletionAsync(type, "default", "gone", Wait, Ct);
        Assert.Equal(1, h.Trainer.CheckpointCalls);
        await WaitAsync(() => h.Fake.Get<V1Secret>("default", TrainerPodBuilder.TokenSecretName("gone")) is null, "the Secret is collected");
    }

    private static async Task PatchRunPolicyAsync(Harness h, string name, bool suspend)
    {
        var patch = new JsonObject { ["spec"] = new JsonObject { ["runPolicy"] = new JsonObject { ["suspend"] = suspend } } };
        await h.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", FineTuneJob.Plural, name, cancellationToken: Ct);
    }
}
