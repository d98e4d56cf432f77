using System.Diagnostics;
using k8s.Models;

namespace TuneOperator.Testing.Kubelet;

/// <summary>The kubelet's state of one container of a local Pod. Guarded by the owning <see cref="PodRuntime"/>'s lock.</summary>
internal sealed class ContainerRun(V1Container spec, string stdoutPath, string stderrPath)
{
    public V1Container Spec { get; } = spec;

    public string StdoutPath { get; } = stdoutPath;

    public string StderrPath { get; } = stderrPath;

    public Process? Process { get; set; }

    public int ProcessId { get; set; }

    public string? WaitingReason { get; set; } = "ContainerCreating";

    public string? WaitingMessage { get; set; }

    public DateTime? StartedAt { get; set; }

    public V1ContainerStateTerminated? Terminated { get; set; }

    public V1ContainerStateTerminated? LastTerminated { get; set; }

    public int RestartCount { get; set; }

    public bool Ready { get; set; }

    /// <summary>The reason to report when the running process was killed on purpose (OOMKilled, Error).</summary>
    public string? KillReason { get; set; }

    /// <summary>Completes once the current process's exit is in the Pod's status.</summary>
    public TaskCompletionSource? ExitWritten { get; set; }

    /// <summary>Completes when the container's run loop ends (no more restarts).</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsRunning => Process is not null && Terminated is null;

    public V1ContainerStatus ToStatus()
    {
        var state = new V1ContainerState();
        if (Terminated is not null)
        {
            state.Terminated = Terminated;
        }
        else if (Process is not null && StartedAt is not null)
        {
            state.Running = new V1ContainerStateRunning { StartedAt = StartedAt };
        }
        else
        {
            state.Waiting = new V1ContainerStateWaiting { Reason = WaitingReason ?? "ContainerCreating", Message = WaitingMessage };
        }

        return new V1ContainerStatus
        {
            Name = Spec.Name,
            Image = Spec.Image ?? string.Empty,
            ImageID = string.Empty,
            ContainerID = ProcessId > 0 ? "local://" + ProcessId : null,
            Ready = Ready && state.Running is not null,
            Started = state.Running is not null,
            RestartCount = RestartCount,
            State = state,
            LastState = LastTerminated is null ? new V1ContainerState() : new V1ContainerState { Terminated = LastTerminated },
        };
    }
}
