namespace TuneOperator.Controller.Runtime;

/// <summary>Where a <see cref="LeaderElector"/> stands.</summary>
public enum LeaderElectionState
{
    /// <summary>Not running.</summary>
    Stopped,

    /// <summary>Running and waiting to acquire the Lease.</summary>
    Standby,

    /// <summary>Holding the Lease; controllers run.</summary>
    Leader,
}
