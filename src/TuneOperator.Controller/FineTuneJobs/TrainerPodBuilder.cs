using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using TuneOperator.Api;
using TuneOperator.Protos;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// Builds the children of a FineTuneJob: the per-job token Secret and the trainer Pod of one attempt, with
/// deterministic names, a controller owner reference and a restricted security context. Pure: no I/O.
/// </summary>
public static class TrainerPodBuilder
{
    /// <summary>The trainer container's name.</summary>
    public const string ContainerName = "trainer";

    /// <summary>The trainer's gRPC control port.</summary>
    public const int GrpcPort = 50051;

    /// <summary>The trainer's metrics port.</summary>
    public const int MetricsPort = 9090;

    /// <summary>The key of the token in the Secret.</summary>
    public const string TokenKey = "token";

    /// <summary>Where the token Secret is mounted.</summary>
    public const string TokenMountPath = "/var/run/tuneoperator/token";

    /// <summary>The label holding the owning job's UID (job names can be longer than a label value).</summary>
    public const string JobUidLabel = "tuneoperator.io/job-uid";

    /// <summary>The label holding the owning job's name, when it fits a label value.</summary>
    public const string JobNameLabel = "tuneoperator.io/job-name";

    /// <summary>The label holding the attempt number.</summary>
    public const string AttemptLabel = "tuneoperator.io/attempt";

    /// <summary>Kueue's queue label; a job carrying it is run through Kueue's plain-pod integration.</summary>
    public const string KueueQueueLabel = "kueue.x-k8s.io/queue-name";

    /// <summary>Kueue's pod-group name label.</summary>
    public const string KueuePodGroupLabel = "kueue.x-k8s.io/pod-group-name";

    /// <summary>Kueue's pod-group size annotation.</summary>
    public const string KueueGroupCountAnnotation = "kueue.x-k8s.io/pod-group-total-count";

    /// <summary>The GPU extended resource.</summary>
    public const string GpuResource = "nvidia.com/gpu";

    private const int RunAsUser = 65532;

    /// <summary>The trainer Pod's name for an attempt: <c>tune-&lt;job&gt;-&lt;attempt&gt;</c>, shortened with a hash when too long.</summary>
    public static string PodName(string jobName, int attempt) =>
        ShortName("tune-" + jobName, "-" + attempt.ToString(CultureInfo.InvariantCulture), 63);

    /// <summary>The job's token Secret name: <c>tune-&lt;job&gt;-token</c>, shortened with a hash when too long.</summary>
    public static string TokenSecretName(string jobName) => ShortName("tune-" + jobName, "-token", 253);

    /// <summary>A new random bearer token (256 bits, base64url).</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The token Secret, owned by the job.</summary>
    public static V1Secret BuildTokenSecret(FineTuneJob job, string token) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta
        {
            Name = TokenSecretName(job.Metadata.Name),
            NamespaceProperty = job.Metadata.NamespaceProperty,
            Labels = BaseLabels(job),
            OwnerReferences = [OwnerReference(job)],
        },
        Type = "Opaque",
        StringData = new Dictionary<string, string> { [TokenKey] = token },
    };

    /// <summary>The controller owner reference that ties a child to its job (garbage collected with it).</summary>
    public static V1OwnerReference OwnerReference(FineTuneJob job) => new()
    {
        ApiVersion = job.ApiVersion,
        Kind = job.Kind,
        Name = job.Metadata.Name,
        Uid = job.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>Builds the trainer Pod of <paramref name="attempt"/> (1 for the first run).</summary>
    /// <param name="job">The job; its metadata must carry name, namespace and UID.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <param name="defaultImage">The operator's trainer image, used when the job names none.</param>
    /// <param name="parentOutput">For a <c>model.fromJob</c> job, the parent's output (its status.output.path or its
    /// spec.output.location); its claim is mounted read-only when the job's own spec does not name it. Null otherwise.</param>
    /// <exception cref="FormatException">A location in the spec is not valid; the message names its field.</exception>
    public static V1Pod BuildPod(FineTuneJob job, int attempt, string defaultImage, string? parentOutput = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        if (string.IsNullOrEmpty(job.Metadata.Uid))
        {
            throw new ArgumentException("The job has no metadata.uid; build pods only for jobs read from the API server.", nameof(job));
        }

        var spec = job.Spec;
        var labels = BaseLabels(job);
        labels[AttemptLabel] = attempt.ToString(CultureInfo.InvariantCulture);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (job.Metadata.Labels is { } jobLabels && jobLabels.TryGetValue(KueueQueueLabel, out var queue) && queue.Length > 0)
        {
            labels[KueueQueueLabel] = queue;
            labels[KueuePodGroupLabel] = ShortName("tune-" + job.Metadata.Name, string.Empty, 63);
            annotations[KueueGroupCountAnnotation] = "1";
        }

        var claims = Claims(spec, parentOutput);
        var volumes = new List<V1Volume>
        {
            new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
            new()
            {
                Name = "token",
                Secret = new V1SecretVolumeSource { SecretName = TokenSecretName(job.Metadata.Name), DefaultMode = 0x100 /* 0400 */ },
            },
        };
        var mounts = new List<V1VolumeMount>
        {
            new() { Name = "tmp", MountPath = "/tmp" },
            new() { Name = "token", MountPath = TokenMountPath, ReadOnlyProperty = true },
        };
        var index = 0;
        foreach (var (claim, writable) in claims)
        {
            var name = "pvc-" + index.ToString(CultureInfo.InvariantCulture);
            index++;
            volumes.Add(new V1Volume
            {
                Name = name,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim, ReadOnlyProperty = !writable },
            });
            mounts.Add(new V1VolumeMount { Name = name, MountPath = StorageLocation.PvcMountRoot + "/" + claim, ReadOnlyProperty = !writable });
        }

        var container = new V1Container
        {
            Name = ContainerName,
            Image = string.IsNullOrEmpty(spec.Trainer.Image) ? defaultImage : spec.Trainer.Image,
            ImagePullPolicy = spec.Trainer.ImagePullPolicy.ToString(),
            Env =
            [
                new V1EnvVar { Name = "TUNE_Trainer__GrpcPort", Value = GrpcPort.ToString(CultureInfo.InvariantCulture) },
                new V1EnvVar { Name = "TUNE_Trainer__MetricsPort", Value = MetricsPort.ToString(CultureInfo.InvariantCulture) },
                new V1EnvVar { Name = "TUNE_Trainer__TokenFile", Value = TokenMountPath + "/" + TokenKey },
                new V1EnvVar { Name = "HOME", Value = "/tmp" },
                new V1EnvVar { Name = "TMPDIR", Value = "/tmp" },
                .. TrainerRuntimeEnvironment.Variables.Select(v => new V1EnvVar { Name = v.Key, Value = v.Value }),
            ],
            Ports =
            [
                new V1ContainerPort { Name = "grpc", ContainerPort = GrpcPort, Protocol = "TCP" },
                new V1ContainerPort { Name = "metrics", ContainerPort = MetricsPort, Protocol = "TCP" },
            ],
            Resources = Resources(spec.Resources),
            VolumeMounts = mounts,
            ReadinessProbe = ReadinessProbe(),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = RunAsUser,
                RunAsGroup = RunAsUser,
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                Privileged = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = PodName(job.Metadata.Name, attempt),
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = annotations.Count == 0 ? null : annotations,
                OwnerReferences = [OwnerReference(job)],
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                TerminationGracePeriodSeconds = 30,
                NodeSelector = spec.Resources.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                Tolerations = spec.Resources.Tolerations is { Count: > 0 } tolerations ? [.. tolerations.Select(ToToleration)] : null,
                PriorityClassName = spec.Resources.PriorityClassName,
                SchedulerName = spec.Resources.SchedulerName,
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsNonRoot = true,
                    RunAsUser = RunAsUser,
                    RunAsGroup = RunAsUser,
                    FsGroup = RunAsUser,
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                },
                Containers = [container],
                Volumes = volumes,
            },
        };
    }

    /// <summary>
    /// The trainer's readiness probe: the standard gRPC health service (grpc.health.v1, open without the token) on the
    /// control port. It probes every 2 seconds from the start and tolerates a minute of failures before reporting
    /// NotReady, so a slow start (CUDA initialisation, a cold image) is not flapping; the operator calls Start only once
    /// the pod is Ready.
    /// </summary>
    public static V1Probe ReadinessProbe() => new()
    {
        Grpc = new V1GRPCAction { Port = GrpcPort },
        InitialDelaySeconds = 0,
        PeriodSeconds = 2,
        TimeoutSeconds = 2,
        SuccessThreshold = 1,
        FailureThreshold = 30,
    };

    /// <summary>
    /// The claims the job's locations use, sorted, with whether the trainer writes to them (output, checkpoints,
    /// including the default checkpoint location under the output), plus the claim of <paramref name="parentOutput"/>
    /// read-only when it is on one.
    /// </summary>
    public static IReadOnlyList<(string Claim, bool Writable)> Claims(FineTuneJobSpec spec, string? parentOutput = null)
    {
        var claims = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        void Add(string? location, string field, bool writable)
        {
            if (string.IsNullOrEmpty(location))
            {
                return;
            }

            if (StorageLocation.Parse(location, field).Claim is { } claim)
            {
                claims[claim] = claims.GetValueOrDefault(claim) || writable;
            }
        }

        Add(spec.Model.Source, "spec.model.source", false);
        Add(spec.Dataset.Train, "spec.dataset.train", false);
        Add(spec.Dataset.Validation, "spec.dataset.validation", false);
        for (var i = 0; i < (spec.Dataset.Mix?.Count ?? 0); i++)
        {
            Add(spec.Dataset.Mix![i].Train, $"spec.dataset.mix[{i}].train", false);
        }

        Add(spec.Evaluation?.Retention?.Dataset, "spec.evaluation.retention.dataset", false);
        Add(spec.Evaluation?.BiasProbe?.Dataset, "spec.evaluation.biasProbe.dataset", false);
        Add(spec.Checkpoint.Location, "spec.checkpoint.location", true);
        Add(spec.Output.Location, "spec.output.location", true);
        if (!string.IsNullOrEmpty(parentOutput))
        {
            if (parentOutput.StartsWith(StorageLocation.PvcMountRoot + "/", StringComparison.Ordinal))
            {
                // The parent trainer reports its output as the path it saw in its pod: /mnt/pvc/<claim>/<path>.
                var rest = parentOutput[(StorageLocation.PvcMountRoot.Length + 1)..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                Add("pvc://" + (slash < 0 ? rest : rest[..slash]), "spec.model.fromJob (the parent's output)", false);
            }
            else if (parentOutput.StartsWith("pvc://", StringComparison.Ordinal))
            {
                Add(parentOutput, "spec.model.fromJob (the parent's output)", false);
            }
        }

        return [.. claims.Select(pair => (pair.Key, pair.Value))];
    }

    private static V1ResourceRequirements Resources(ResourcesSpec resources)
    {
        var requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var limits = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(resources.Cpu))
        {
            requests["cpu"] = new ResourceQuantity(resources.Cpu);
        }

        if (!string.IsNullOrEmpty(resources.Memory))
        {
            requests["memory"] = new ResourceQuantity(resources.Memory);
            limits["memory"] = new ResourceQuantity(resources.Memory);
        }

        if (resources.Gpus > 0)
        {
            var gpus = resources.Gpus.ToString(CultureInfo.InvariantCulture);
            requests[GpuResource] = new ResourceQuantity(gpus);
            limits[GpuResource] = new ResourceQuantity(gpus);
        }

        return new V1ResourceRequirements
        {
            Requests = requests.Count == 0 ? null : requests,
            Limits = limits.Count == 0 ? null : limits,
        };
    }

    private static V1Toleration ToToleration(Toleration toleration) => new()
    {
        Key = toleration.Key,
        OperatorProperty = toleration.Operator?.ToString(),
        Value = toleration.Value,
        Effect = toleration.Effect?.ToString(),
        TolerationSeconds = toleration.TolerationSeconds,
    };

    private static Dictionary<string, string> BaseLabels(FineTuneJob job)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app.kubernetes.io/name"] = "tune-trainer",
            ["app.kubernetes.io/managed-by"] = "tune-operator",
            [JobUidLabel] = job.Metadata.Uid,
        };
        if (job.Metadata.Name.Length <= 63)
        {
            labels[JobNameLabel] = job.Metadata.Name;
        }

        return labels;
    }

    private static string ShortName(string stem, string suffix, int maxLength)
    {
        if (stem.Length + suffix.Length <= maxLength)
        {
            return stem + suffix;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stem)))[..8];
        var keep = maxLength - suffix.Length - hash.Length - 1;
        return stem[..keep].TrimEnd('-', '.') + "-" + hash + suffix;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
