using System.Text;
using k8s;
using k8s.Models;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Kubelet;

public sealed class LocalKubeletTests : KubeletTestBase
{
    [Fact]
    public async Task Registers_a_ready_node()
    {
        var node = await Client.CoreV1.ReadNodeAsync(Kubelet.NodeName, cancellationToken: Ct);

        Assert.Equal("True", node.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal(Kubelet.NodeName, node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("1", node.Status.Allocatable["nvidia.com/gpu"].ToString());
    }

    [Fact]
    public async Task A_failing_container_fails_the_pod_with_its_exit_code_and_keeps_its_output()
    {
        await CreateAsync(ShellPod("fails", "echo hi; echo oops >&2; exit 3"));

        var pod = await Kubelet.WaitForPhaseAsync(Ns, "fails", "Failed", Timeout, Ct);

        Assert.Equal(Kubelet.NodeName, pod.Spec.NodeName);
        var terminated = MainContainer(pod).State.Terminated;
        Assert.Equal(3, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);
        Assert.NotNull(terminated.FinishedAt);
        Assert.False(MainContainer(pod).Ready);
        Assert.Equal("True", Condition(pod, "PodScheduled"));
        Assert.Equal("True", Condition(pod, "Initialized"));
        Assert.Equal("False", Condition(pod, "Ready"));
        Assert.Equal("hi\n", Kubelet.ReadLog(Ns, "fails", "main"));
        Assert.Equal("oops\n", Kubelet.ReadLog(Ns, "fails", "main", standardError: true));
    }

    [Fact]
    public async Task A_container_that_exits_zero_completes_the_pod()
    {
        await CreateAsync(ShellPod("ok", "exit 0"));

        var pod = await Kubelet.WaitForPhaseAsync(Ns, "ok", "Succeeded", Timeout, Ct);

        Assert.Equal(0, MainContainer(pod).State.Terminated.ExitCode);
        Assert.Equal("Completed", MainContainer(pod).State.Terminated.Reason);
    }

    [Fact]
    public async Task A_running_pod_has_its_own_loopback_address_and_is_ready_without_a_probe()
    {
        await CreateAsync(ShellPod("one", "echo \"$TUNE_Trainer__ListenAddress\"; exec sleep 30"));
        await CreateAsync(ShellPod("two", "exec sleep 30"));

        var one = await Kubelet.WaitForReadyAsync(Ns, "one", Timeout, Ct);
        var two = await Kubelet.WaitForReadyAsync(Ns, "two", Timeout, Ct);

        Assert.Equal("Running", one.Status.Phase);
        Assert.NotNull(one.Status.StartTime);
        Assert.NotNull(MainContainer(one).State.Running.StartedAt);
        Assert.True(MainContainer(one).Ready);
        Assert.Equal(0, MainContainer(one).RestartCount);
        Assert.Equal("True", Condition(one, "ContainersReady"));
        Assert.StartsWith("127.", one.Status.PodIP, StringComparison.Ordinal);
        Assert.NotEqual(one.Status.PodIP, two.Status.PodIP);
        await KubeApiFake.WaitUntilAsync(() => Kubelet.ReadLog(Ns, "one", "main").Length > 0, Timeout, "the address is logged", Ct);
        Assert.Equal(one.Status.PodIP + "\n", Kubelet.ReadLog(Ns, "one", "main"));
        var processes = Kubelet.RunningProcesses;
        Assert.Equal(["one", "two"], processes.Select(p => p.PodName).Order());
        Assert.All(processes, p => Assert.True(Directory.Exists("/proc/" + p.ProcessId)));
    }

    [Fact]
    public async Task Environment_resolves_values_field_references_secrets_and_config_maps()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "creds", NamespaceProperty = Ns }, Data = new Dictionary<string, byte[]> { ["password"] = "s3cret"u8.ToArray() } }, Ns, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings", NamespaceProperty = Ns }, Data = new Dictionary<string, string> { ["mode"] = "fast", ["level"] = "3" } }, Ns, cancellationToken: Ct);
        var pod = ShellPod("env", "echo \"$GREETING|$POD_NAME|$POD_NAMESPACE|$POD_IP|$NODE|$APP|$PASSWORD|$MODE|$CFG_level\"", p =>
        {
            var c = p.Spec.Containers[0];
            c.EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" }, Prefix = "CFG_" }];
            c.Env =
            [
                new V1EnvVar { Name = "WHO", Value = "world" },
                new V1EnvVar { Name = "GREETING", Value = "hello $(WHO) $$(WHO)" },
                new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                new V1EnvVar { Name = "POD_NAMESPACE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
                new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
                new V1EnvVar { Name = "NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
                new V1EnvVar { Name = "APP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels['app']" } } },
                new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "password" } } },
                new V1EnvVar { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "settings", Key = "mode" } } },
            ];
        });
        await CreateAsync(pod);

        var done = await Kubelet.WaitForPhaseAsync(Ns, "env", "Succeeded", Timeout, Ct);

        Assert.Equal($"hello world $(WHO)|env|default|{done.Status.PodIP}|{Kubelet.NodeName}|env|s3cret|fast|3\n", Kubelet.ReadLog(Ns, "env", "main"));
    }

    [Fact]
    public async Task A_missing_secret_keeps_the_container_waiting_until_it_exists()
    {
        await CreateAsync(ShellPod("waits", "echo \"$TOKEN\"", p => p.Spec.Containers[0].Env =
            [new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "later", Key = "token" } } }]));

        var waiting = await Kubelet.WaitForPodAsync(Ns, "waits", p => p.Status?.ContainerStatuses?[0].State?.Waiting?.Reason == "CreateContainerConfigError", Timeout, Ct);
        Assert.Equal("Pending", waiting.Status.Phase);
        Assert.Contains("secret \"later\" not found", MainContainer(waiting).State.Waiting.Message, StringComparison.Ordinal);

        await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "later", NamespaceProperty = Ns }, StringData = new Dictionary<string, string> { ["token"] = "abc" } }, Ns, cancellationToken: Ct);
        await Kubelet.WaitForPhaseAsync(Ns, "waits", "Succeeded", Timeout, Ct);
        Assert.Equal("abc\n", Kubelet.ReadLog(Ns, "waits", "main"));
    }

    [Fact]
    public async Task Secret_volumes_are_files_with_their_mode_and_mount_paths_are_mapped()
    {
        await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "tok", NamespaceProperty = Ns }, StringData = new Dictionary<string, string> { ["token"] = "t0ken" } }, Ns, cancellationToken: Ct);
        var pod = ShellPod("vol", "echo \"$TUNE_Trainer__PathMap\"; cat \"${TUNE_Trainer__PathMap%%;*}\"/token 2>/dev/null; exit 0", p =>
        {
            p.Spec.Volumes =
            [
                new V1Volume { Name = "token", Secret = new V1SecretVolumeSource { SecretName = "tok", DefaultMode = 0x100 } },
                new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
            ];
            p.Spec.Containers[0].VolumeMounts =
            [
                new V1VolumeMount { Name = "token", MountPath = "/var/run/tuneoperator/token", ReadOnlyProperty = true },
                new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
            ];
        });
        await CreateAsync(pod);

        await Kubelet.WaitForPhaseAsync(Ns, "vol", "Succeeded", Timeout, Ct);

        var log = Kubelet.ReadLog(Ns, "vol", "main");
        var tokenFile = Path.Combine(MappedPath(log, "/var/run/tuneoperator/token"), "token");
        Assert.Equal("t0ken", File.ReadAllText(tokenFile));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(tokenFile));
        Assert.StartsWith(Kubelet.PodDirectory(Ns, "vol"), MappedPath(log, "/tmp"), StringComparison.Ordinal);
        Assert.True(Directory.Exists(MappedPath(log, "/tmp")));
    }

    [Fact]
    public async Task A_persistent_volume_claim_folder_is_shared_between_pods()
    {
        static void Claim(V1Pod p)
        {
            p.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "shared" } }];
            p.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/mnt/pvc/shared" }];
        }

        await CreateAsync(ShellPod("writer", "echo \"$TUNE_Trainer__PathMap\"; printf written > \"${TUNE_Trainer__PathMap#*=}/note.txt\"", Claim));
        await Kubelet.WaitForPhaseAsync(Ns, "writer", "Succeeded", Timeout, Ct);
        await CreateAsync(ShellPod("reader", "echo \"$TUNE_Trainer__PathMap\"; cat \"${TUNE_Trainer__PathMap#*=}/note.txt\"", Claim));
        await Kubelet.WaitForPhaseAsync(Ns, "reader", "Succeeded", Timeout, Ct);

        var claim = Kubelet.ClaimDirectory(Ns, "shared");
        Assert.Equal("written", File.ReadAllText(Path.Combine(claim, "note.txt")));
        var readerLog = Kubelet.ReadLog(Ns, "reader", "main");
        Assert.Equal(claim, MappedPath(readerLog, "/mnt/pvc/shared"));
        Assert.EndsWith("\nwritten", readerLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_with_scheduling_gates_stays_pending_until_they_are_removed()
    {
        await CreateAsync(ShellPod("gated", "exit 0", p => p.Spec.SchedulingGates = [new V1PodSchedulingGate { Name = "kueue.x-k8s.io/admission" }]));

        var gated = await Kubelet.WaitForPodAsync(Ns, "gated", p => Condition(p, "PodScheduled") == "False", Timeout, Ct);
        Assert.Equal("SchedulingGated", gated.Status.Conditions.Single(c => c.Type == "PodScheduled").Reason);
        Assert.Equal("Pending", gated.Status.Phase);
        Assert.Null(gated.Spec.NodeName);
        Assert.Empty(Kubelet.RunningProcesses);

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"spec":{"schedulingGates":null}}""", V1Patch.PatchType.MergePatch), "gated", Ns, cancellationToken: Ct);

        var done = await Kubelet.WaitForPhaseAsync(Ns, "gated", "Succeeded", Timeout, Ct);
        Assert.Equal(Kubelet.NodeName, done.Spec.NodeName);
        Assert.Equal("True", Condition(done, "PodScheduled"));
    }

    [Fact]
    public async Task A_node_selector_that_does_not_match_leaves_the_pod_unschedulable()
    {
        await CreateAsync(ShellPod("picky", "exit 0", p => p.Spec.NodeSelector = new Dictionary<string, string> { ["gpu"] = "h100" }));

        var pod = await Kubelet.WaitForPodAsync(Ns, "picky", p => Condition(p, "PodScheduled") == "False", Timeout, Ct);

        Assert.Equal("Unschedulable", pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Reason);
        Assert.Null(pod.Spec.NodeName);
    }

    [Fact]
    public async Task Deleting_a_pod_sends_sigterm_and_removes_it_once_the_container_stopped()
    {
        var marker = Path.Combine(Scratch, "term");
        await CreateAsync(ShellPod("graceful", $"trap 'echo bye > {marker}; exit 0' TERM; echo started; sleep 30 & wait"));
        await Kubelet.WaitForReadyAsync(Ns, "graceful", Timeout, Ct);
        await KubeApiFake.WaitUntilAsync(() => Kubelet.ReadLog(Ns, "graceful", "main").Length > 0, Timeout, "the trap is set", Ct);

        await Client.CoreV1.DeleteNamespacedPodAsync("graceful", Ns, cancellationToken: Ct);
        var terminating = Fake.Get<V1Pod>(Ns, "graceful");

        await Kubelet.WaitForPodDeletedAsync(Ns, "graceful", Timeout, Ct);
        Assert.True(terminating is null || terminating.Metadata.DeletionTimestamp is not null);
        Assert.Equal("bye\n", File.ReadAllText(marker));
        Assert.Empty(Kubelet.RunningProcesses);
    }

    [Fact]
    public async Task A_container_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        await CreateAsync(ShellPod("stubborn", "trap '' TERM; echo started; while true; do sleep 1; done"));
        await Kubelet.WaitForReadyAsync(Ns, "stubborn", Timeout, Ct);
        await KubeApiFake.WaitUntilAsync(() => Kubelet.ReadLog(Ns, "stubborn", "main").Length > 0, Timeout, "the trap is set", Ct);
        var pid = Kubelet.RunningProcesses.Single().ProcessId;

        await Client.CoreV1.DeleteNamespacedPodAsync("stubborn", Ns, new V1DeleteOptions { GracePeriodSeconds = 1 }, cancellationToken: Ct);
        await KubeApiFake.WaitUntilAsync(() => Fake.Get<V1Pod>(Ns, "stubborn")?.Metadata.DeletionTimestamp is not null || Fake.Get<V1Pod>(Ns, "stubborn") is null, Timeout, "deletion requested", Ct);
        Assert.NotNull(Fake.Get<V1Pod>(Ns, "stubborn"));

        await Kubelet.WaitForPodDeletedAsync(Ns, "stubborn", Timeout, Ct);
        Assert.False(Directory.Exists("/proc/" + pid));
    }

    [Theory]
    [InlineData(false, "Error")]
    [InlineData(true, "OOMKilled")]
    public async Task Killing_a_container_fails_the_pod_with_exit_code_137(bool outOfMemory, string reason)
    {
        await CreateAsync(ShellPod("victim", "exec sleep 30"));
        await Kubelet.WaitForReadyAsync(Ns, "victim", Timeout, Ct);

        await Kubelet.KillContainerAsync(Ns, "victim", "main", outOfMemory, Ct);

        var pod = await Kubelet.WaitForPhaseAsync(Ns, "victim", "Failed", Timeout, Ct);
        Assert.Equal(137, MainContainer(pod).State.Terminated.ExitCode);
        Assert.Equal(reason, MainContainer(pod).State.Terminated.Reason);
        Assert.Empty(Kubelet.RunningProcesses);
    }

    [Fact]
    public async Task Eviction_fails_the_pod_with_reason_evicted_and_kills_its_containers()
    {
        await CreateAsync(ShellPod("evictee", "exec sleep 30"));
        await Kubelet.WaitForReadyAsync(Ns, "evictee", Timeout, Ct);

        await Kubelet.EvictAsync(Ns, "evictee", "The node was low on resource: memory.", Ct);

        var pod = await Kubelet.WaitForPhaseAsync(Ns, "evictee", "Failed", Timeout, Ct);
        Assert.Equal("Evicted", pod.Status.Reason);
        Assert.Equal("The node was low on resource: memory.", pod.Status.Message);
        Assert.Equal(137, MainContainer(pod).State.Terminated.ExitCode);
        Assert.Empty(Kubelet.RunningProcesses);
    }

    [Fact]
    public async Task Preemption_marks_the_pod_as_a_disruption_target_and_stops_it_gracefully()
    {
        var marker = Path.Combine(Scratch, "preempted");
        await CreateAsync(ShellPod("low", $"trap 'echo term > {marker}; exit 143' TERM; echo started; sleep 30 & wait"));
        await Kubelet.WaitForReadyAsync(Ns, "low", Timeout, Ct);
        await KubeApiFake.WaitUntilAsync(() => Kubelet.ReadLog(Ns, "low", "main").Length > 0, Timeout, "the trap is set", Ct);
        var disruption = new List<string>();
        using var watch = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var (_, pod) in Client.CoreV1.WatchListNamespacedPodAsync(Ns, fieldSelector: "metadata.name=low", cancellationToken: watch.Token))
            {
                if (pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget") is { } condition)
                {
                    lock (disruption)
                    {
                        disruption.Add(condition.Reason);
                    }
                }
            }
        }, Ct);

        await Kubelet.PreemptAsync(Ns, "low", cancellationToken: Ct);

        await Kubelet.WaitForPodDeletedAsync(Ns, "low", Timeout, Ct);
        Assert.Equal("term\n", File.ReadAllText(marker));
        await KubeApiFake.WaitUntilAsync(() => { lock (disruption) { return disruption.Count > 0; } }, Timeout, "the watch saw the condition", Ct);
        await watch.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
        Assert.Contains("Preempted", disruption);
    }

    [Fact]
    public async Task Restart_policy_on_failure_restarts_until_the_container_succeeds()
    {
        var marker = Path.Combine(Scratch, "tried");
        await CreateAsync(ShellPod("retry", $"if [ -f {marker} ]; then exit 0; fi; touch {marker}; exit 1", p => p.Spec.RestartPolicy = "OnFailure"));

        var pod = await Kubelet.WaitForPhaseAsync(Ns, "retry", "Succeeded", Timeout, Ct);

        Assert.Equal(1, MainContainer(pod).RestartCount);
        Assert.Equal(1, MainContainer(pod).LastState.Terminated.ExitCode);
        Assert.Equal(0, MainContainer(pod).State.Terminated.ExitCode);
    }

    [Fact]
    public async Task An_http_readiness_probe_makes_the_pod_ready_once_it_answers()
    {
        var pod = ShellPod("web", "sleep 1; exec python3 -m http.server 8080 --bind \"$TUNE_Trainer__ListenAddress\"", p =>
            p.Spec.Containers[0].ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 8080, Path = "/" } });
        await CreateAsync(pod);

        var running = await Kubelet.WaitForPhaseAsync(Ns, "web", "Running", Timeout, Ct);
        Assert.False(MainContainer(running).Ready);
        Assert.Equal("False", Condition(running, "Ready"));

        var ready = await Kubelet.WaitForReadyAsync(Ns, "web", Timeout, Ct);
        Assert.True(MainContainer(ready).Ready);
        Assert.Equal("True", Condition(ready, "ContainersReady"));
    }

    [Fact]
    public async Task A_program_that_does_not_exist_fails_with_start_error()
    {
        await CreateAsync(ShellPod("missing", "unused", p => p.Spec.Containers[0].Command = ["no-such-program-xyz"]));

        var pod = await Kubelet.WaitForPhaseAsync(Ns, "missing", "Failed", Timeout, Ct);

        Assert.Equal(128, MainContainer(pod).State.Terminated.ExitCode);
        Assert.Equal("StartError", MainContainer(pod).State.Terminated.Reason);
        Assert.Contains("no-such-program-xyz", MainContainer(pod).State.Terminated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_kubelet_kills_every_container_process()
    {
        await CreateAsync(ShellPod("orphan", "sleep 30 & sleep 30 & wait"));
        await Kubelet.WaitForReadyAsync(Ns, "orphan", Timeout, Ct);
        var pid = Kubelet.RunningProcesses.Single().ProcessId;
        await KubeApiFake.WaitUntilAsync(() => ProcessGroup(pid).Count >= 3, Timeout, "the shell and its two children run", Ct);
        var group = ProcessGroup(pid);

        await Kubelet.DisposeAsync();

        await KubeApiFake.WaitUntilAsync(() => group.All(p => !Directory.Exists("/proc/" + p) || IsZombie(p)), Timeout, "every process of the container is gone", Ct);
    }

    private static List<int> ProcessGroup(int pgid) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => int.TryParse(n, out _))
            .Select(int.Parse!)
            .Where(p => StatField(p, 5) == pgid.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static bool IsZombie(int pid) => StatField(pid, 3) == "Z";

    private static string? StatField(int pid, int field)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat", Encoding.ASCII);
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return rest[field - 3];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
