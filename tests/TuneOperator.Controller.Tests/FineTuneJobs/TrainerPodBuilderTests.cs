using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using Xunit;

namespace TuneOperator.Controller.Tests.FineTuneJobs;

public sealed class TrainerPodBuilderTests
{
    private static FineTuneJob Job(Action<FineTuneJobSpec>? change = null, Dictionary<string, string>? labels = null, string name = "llama-sft")
    {
        var spec = new FineTuneJobSpec
        {
            Model = new ModelSpec { Source = "pvc://models/llama/base" },
            Dataset = new DatasetSpec { Train = "pvc://data/alpaca.jsonl", Validation = "file:///data/val.jsonl" },
            Output = new OutputSpec { Location = "pvc://results/llama-sft" },
        };
        change?.Invoke(spec);
        return new FineTuneJob
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a", Uid = "7d6c9a52-0d8e-4bd0-a1de-2f4b8e4a1c11", Labels = labels },
            Spec = spec,
        };
    }

    [Fact]
    public void The_pod_has_a_deterministic_name_per_attempt_and_a_controller_owner_reference()
    {
        var job = Job();
        var pod = TrainerPodBuilder.BuildPod(job, 2, "tune-trainer:1.0");

        Assert.Equal("tune-llama-sft-2", pod.Metadata.Name);
        Assert.Equal("team-a", pod.Metadata.NamespaceProperty);
        Assert.Equal(pod.Metadata.Name, TrainerPodBuilder.BuildPod(job, 2, "tune-trainer:1.0").Metadata.Name);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Equal(("tuneoperator.io/v1alpha1", "FineTuneJob", "llama-sft", job.Metadata.Uid), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
        Assert.True(owner.Controller);
        Assert.True(owner.BlockOwnerDeletion);
        Assert.Equal("2", pod.Metadata.Labels[TrainerPodBuilder.AttemptLabel]);
        Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels[TrainerPodBuilder.JobUidLabel]);
        Assert.Equal("Never", pod.Spec.RestartPolicy);
    }

    [Fact]
    public void Long_job_names_are_shortened_with_a_stable_hash_to_a_valid_name()
    {
        var name = new string('a', 120) + "-job";
        var pod = TrainerPodBuilder.BuildPod(Job(name: name), 12, "tune-trainer:1.0");

        Assert.True(pod.Metadata.Name.Length <= 63);
        Assert.EndsWith("-12", pod.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(pod.Metadata.Name, TrainerPodBuilder.PodName(name, 12));
        Assert.NotEqual(TrainerPodBuilder.PodName(name, 12), TrainerPodBuilder.PodName(name + "x", 12));
        Assert.False(pod.Metadata.Labels.ContainsKey(TrainerPodBuilder.JobNameLabel));
    }

    [Fact]
    public void The_pod_runs_with_a_restricted_security_context()
    {
        var pod = TrainerPodBuilder.BuildPod(Job(), 1, "tune-trainer:1.0");
        var container = Assert.Single(pod.Spec.Containers);
        var security = container.SecurityContext;

        Assert.True(pod.Spec.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.Spec.SecurityContext.SeccompProfile.Type);
        Assert.True(security.RunAsNonRoot);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
        Assert.False(pod.Spec.AutomountServiceAccountToken);
        Assert.Contains(container.VolumeMounts, mount => mount.MountPath == "/tmp");
    }

    [Fact]
    public void Resources_and_scheduling_pass_through()
    {
        var job = Job(spec =>
        {
            spec.Resources = new ResourcesSpec
            {
                Gpus = 2,
                Cpu = "8",
                Memory = "64Gi",
                NodeSelector = new Dictionary<string, string> { ["gpu"] = "h100" },
                Tolerations = [new Toleration { Key = "nvidia.com/gpu", Operator = TolerationOperator.Exists, Effect = TaintEffect.NoSchedule }],
                PriorityClassName = "training",
                SchedulerName = "volcano",
            };
            spec.Trainer = new TrainerSpec { Image = "registry/tune-trainer:2.0", ImagePullPolicy = ImagePullPolicy.Always };
        });
        var pod = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");
        var container = pod.Spec.Containers[0];

        Assert.Equal("2", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("2", container.Resources.Requests["nvidia.com/gpu"].ToString());
        Assert.Equal("8", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("64Gi", container.Resources.Limits["memory"].ToString());
        Assert.Equal("h100", pod.Spec.NodeSelector["gpu"]);
        var toleration = Assert.Single(pod.Spec.Tolerations);
        Assert.Equal(("nvidia.com/gpu", "Exists", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Effect));
        Assert.Equal("training", pod.Spec.PriorityClassName);
        Assert.Equal("volcano", pod.Spec.SchedulerName);
        Assert.Equal("registry/tune-trainer:2.0", container.Image);
        Assert.Equal("Always", container.ImagePullPolicy);
    }

    [Fact]
    public void Without_gpus_or_an_image_the_defaults_apply()
    {
        var pod = TrainerPodBuilder.BuildPod(Job(), 1, "tune-trainer:1.0");
        var container = pod.Spec.Containers[0];

        Assert.Equal("tune-trainer:1.0", container.Image);
        Assert.Equal("IfNotPresent", container.ImagePullPolicy);
        Assert.Null(container.Resources.Limits);
        Assert.Null(pod.Spec.NodeSelector);
        Assert.Null(pod.Spec.SchedulerName);
    }

    [Fact]
    public void Pvc_locations_become_volumes_read_only_except_output_and_checkpoints()
    {
        var job = Job(spec => spec.Checkpoint = new CheckpointSpec { Location = "pvc://results/ckpt" });
        var pod = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");
        var claims = pod.Spec.Volumes.Where(v => v.PersistentVolumeClaim is not null)
            .ToDictionary(v => v.PersistentVolumeClaim.ClaimName, v => v.PersistentVolumeClaim.ReadOnlyProperty);
        var mounts = pod.Spec.Containers[0].VolumeMounts.ToDictionary(m => m.MountPath, m => m.ReadOnlyProperty);

        Assert.Equal(new Dictionary<string, bool?> { ["data"] = true, ["models"] = true, ["results"] = false }, claims);
        Assert.True(mounts["/mnt/pvc/models"]);
        Assert.False(mounts["/mnt/pvc/results"]);
        Assert.Equal("/mnt/pvc/models/llama/base", StorageLocation.Parse("pvc://models/llama/base", "spec.model.source").LocalPath);
        Assert.Equal("/data/val.jsonl", StorageLocation.Parse("file:///data/val.jsonl", "spec.dataset.validation").LocalPath);
    }

    [Fact]
    public void A_bad_location_fails_naming_the_field()
    {
        var job = Job(spec => spec.Dataset.Train = "s3://bucket/data.jsonl");
        var error = Assert.Throws<FormatException>(() => TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0"));
        Assert.Contains("spec.dataset.train", error.Message);
        Assert.Contains("pvc://<claim>/<path>", error.Message);
    }

    [Fact]
    public void The_token_secret_is_mounted_and_named_to_the_trainer()
    {
        var job = Job();
        var pod = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");
        var secret = TrainerPodBuilder.BuildTokenSecret(job, TrainerPodBuilder.NewToken());
        var container = pod.Spec.Containers[0];

        Assert.Equal("tune-llama-sft-token", secret.Metadata.Name);
        Assert.True(secret.Metadata.OwnerReferences.Single().Controller);
        Assert.True(secret.StringData[TrainerPodBuilder.TokenKey].Length >= 40);
        Assert.Equal(secret.Metadata.Name, pod.Spec.Volumes.Single(v => v.Secret is not null).Secret.SecretName);
        var tokenFile = container.Env.Single(e => e.Name == "TUNE_Trainer__TokenFile").Value;
        Assert.StartsWith(container.VolumeMounts.Single(m => m.Name == "token").MountPath + "/", tokenFile, StringComparison.Ordinal);
        Assert.NotEqual(TrainerPodBuilder.NewToken(), TrainerPodBuilder.NewToken());
    }

    [Fact]
    public void The_trainer_gets_the_gc_settings_that_keep_its_memory_flat()
    {
        var container = TrainerPodBuilder.BuildPod(Job(), 1, "tune-trainer:1.0").Spec.Containers[0];

        Assert.Equal("0x200000", container.Env.Single(e => e.Name == "DOTNET_GCgen0size").Value);
        Assert.Equal("0x100000", container.Env.Single(e => e.Name == "DOTNET_GCRegionSize").Value);
    }

    [Fact]
    public void A_job_in_a_kueue_queue_gets_the_plain_pod_group_labels()
    {
        var job = Job(labels: new Dictionary<string, string> { [TrainerPodBuilder.KueueQueueLabel] = "gpu-queue" });
        var first = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");
        var second = TrainerPodBuilder.BuildPod(job, 2, "tune-trainer:1.0");

        Assert.Equal("gpu-queue", first.Metadata.Labels[TrainerPodBuilder.KueueQueueLabel]);
        Assert.Equal("tune-llama-sft", first.Metadata.Labels[TrainerPodBuilder.KueuePodGroupLabel]);
        Assert.Equal(first.Metadata.Labels[TrainerPodBuilder.KueuePodGroupLabel], second.Metadata.Labels[TrainerPodBuilder.KueuePodGroupLabel]);
        Assert.Equal("1", first.Metadata.Annotations[TrainerPodBuilder.KueueGroupCountAnnotation]);
        Assert.Null(TrainerPodBuilder.BuildPod(Job(), 1, "tune-trainer:1.0").Metadata.Annotations);
    }

    [Fact]
    public void The_trainer_gets_a_grpc_readiness_probe_on_its_control_port()
    {
        var container = TrainerPodBuilder.BuildPod(Job(), 1, "tune-trainer:1.0").Spec.Containers[0];

        var probe = container.ReadinessProbe;
        Assert.NotNull(probe);
        Assert.Equal(TrainerPodBuilder.GrpcPort, probe.Grpc.Port);
        Assert.Null(probe.Grpc.Service);
        Assert.Null(probe.HttpGet);
        Assert.Null(probe.TcpSocket);
        Assert.Equal(TrainerPodBuilder.GrpcPort, Assert.Single(container.Ports, p => p.Name == "grpc").ContainerPort);
        Assert.True(probe.PeriodSeconds * probe.FailureThreshold >= 60, "a slow trainer start must not flap the pod to NotReady");
        Assert.Null(container.LivenessProbe);
    }

    [Fact]
    public void A_from_job_child_mounts_the_claim_of_the_parents_output_read_only()
    {
        var job = Job(spec =>
        {
            spec.Model = new ModelSpec { FromJob = "base-sft" };
            spec.Dataset = new DatasetSpec { Train = "pvc://data/alpaca.jsonl" };
        });

        var fromStatusPath = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0", "/mnt/pvc/parent-models/base-sft");
        var fromLocation = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0", "pvc://parent-models/base-sft");
        var noParent = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0");

        foreach (var pod in new[] { fromStatusPath, fromLocation })
        {
            var claims = pod.Spec.Volumes.Where(v => v.PersistentVolumeClaim is not null)
                .ToDictionary(v => v.PersistentVolumeClaim.ClaimName, v => v.PersistentVolumeClaim.ReadOnlyProperty);
            Assert.Equal(new Dictionary<string, bool?> { ["data"] = true, ["parent-models"] = true, ["results"] = false }, claims);
            var volume = pod.Spec.Volumes.Single(v => v.PersistentVolumeClaim?.ClaimName == "parent-models").Name;
            var mount = Assert.Single(pod.Spec.Containers[0].VolumeMounts, m => m.Name == volume);
            Assert.Equal("/mnt/pvc/parent-models", mount.MountPath);
            Assert.True(mount.ReadOnlyProperty);
        }

        Assert.DoesNotContain(noParent.Spec.Volumes, v => v.PersistentVolumeClaim?.ClaimName == "parent-models");
    }

    [Fact]
    public void A_parent_output_on_a_claim_the_child_writes_keeps_the_claim_writable_and_mounted_once()
    {
        var job = Job(spec => spec.Model = new ModelSpec { FromJob = "base-sft" });

        var pod = TrainerPodBuilder.BuildPod(job, 1, "tune-trainer:1.0", "/mnt/pvc/results/base-sft");

        var results = Assert.Single(pod.Spec.Volumes, v => v.PersistentVolumeClaim?.ClaimName == "results");
        Assert.False(results.PersistentVolumeClaim.ReadOnlyProperty);
    }

    [Fact]
    public void An_unset_checkpoint_location_defaults_to_the_checkpoints_folder_of_the_output()
    {
        var spec = Job().Spec;
        Assert.Null(spec.Checkpoint.Location);

        var plan = System.Text.Json.Nodes.JsonNode.Parse(TrainerPlan.Build(spec, null))!;

        Assert.Equal("/mnt/pvc/results/llama-sft/checkpoints", (string?)plan["checkpoint"]!["location"]);
        Assert.Equal("/mnt/pvc/results/llama-sft", (string?)plan["output"]!["location"]);
        Assert.Equal("pvc://results/llama-sft/checkpoints", spec.Checkpoint.LocationOrDefault(spec.Output.Location));
        Assert.Equal("pvc://results/llama-sft/checkpoints", spec.Checkpoint.LocationOrDefault("pvc://results/llama-sft/"));
        Assert.Null(spec.Checkpoint.Location);
    }

    [Fact]
    public void A_set_checkpoint_location_is_kept_in_the_plan()
    {
        var spec = Job(spec => spec.Checkpoint = new CheckpointSpec { Location = "pvc://scratch/ckpt", KeepLast = 2 }).Spec;

        var plan = System.Text.Json.Nodes.JsonNode.Parse(TrainerPlan.Build(spec, null))!;

        Assert.Equal("/mnt/pvc/scratch/ckpt", (string?)plan["checkpoint"]!["location"]);
        Assert.Equal(2, (int)plan["checkpoint"]!["keepLast"]!);
    }
}
