using k8s.Models;

namespace TuneOperator.Testing.Kubelet;

/// <summary>The kubelet's state of one Pod (by UID): its address, folders, containers and lifecycle flags.</summary>
internal sealed class PodRuntime(string ns, string name, string uid, string directory)
{
    public Lock Sync { get; } = new();

    /// <summary>Serializes status writes so that they reach the API server in order.</summary>
    public SemaphoreSlim StatusWrites { get; } = new(1, 1);

    public string Namespace { get; } = ns;

    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public string Directory { get; } = directory;

    public string? PodIP { get; set; }

    public DateTime? StartTime { get; set; }

    public bool Initialized { get; set; }

    public List<ContainerRun> Containers { get; } = [];

    /// <summary>No container may (re)start: the Pod is being deleted, evicted, or the kubelet is stopping.</summary>
    public bool Stopping { get; set; }

    /// <summary>The Pod object is gone (or the kubelet stops): no more status writes.</summary>
    public bool Removed { get; set; }

    public bool TerminationStarted { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public string RestartPolicy { get; set; } = "Always";

    public Task StartTask { get; set; } = Task.CompletedTask;

    public Task? TerminationTask { get; set; }

    /// <summary>The Pod's phase from its containers, as the kubelet computes it.</summary>
    public string Phase()
    {
        if (Reason == "Evicted")
        {
            return "Failed";
        }

        if (Containers.Count == 0 || Containers.Any(c => c.Terminated is null && c.Process is null && c.StartedAt is null))
        {
            return "Pending";
        }

        if (Containers.Any(c => c.Terminated is null))
        {
            return "Running";
        }

        var allSucceeded = Containers.All(c => c.Terminated!.ExitCode == 0);
        if (Stopping || RestartPolicy == "Never" || (RestartPolicy == "OnFailure" && allSucceeded))
        {
            return allSucceeded ? "Succeeded" : "Failed";
        }

        return "Running";
    }

    public List<V1PodCondition> Conditions(DateTime now)
    {
        var ready = Containers.Count > 0 && Containers.All(c => c.Ready && c.Terminated is null);
        var terminal = Phase() is "Succeeded" or "Failed";
        return
        [
            new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
            new V1PodCondition { Type = "Initialized", Status = Initialized ? "True" : "False", LastTransitionTime = now },
            new V1PodCondition
            {
                Type = "ContainersReady", Status = ready ? "True" : "False", LastTransitionTime = now,
                Reason = ready ? null : terminal ? "PodCompleted" : "ContainersNotReady",
                Message = ready || terminal ? null : $"containers with unready status: [{string.Join(' ', Containers.Where(c => !c.Ready || c.Terminated is not null).Select(c => c.Spec.Name))}]",
            },
            new V1PodCondition
            {
                Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now,
                Reason = ready ? null : terminal ? "PodCompleted" : "ContainersNotReady",
                Message = ready || terminal ? null : $"containers with unready status: [{string.Join(' ', Containers.Where(c => !c.Ready || c.Terminated is not null).Select(c => c.Spec.Name))}]",
            },
        ];
    }
}
