using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// What <c>/healthz</c> and <c>/readyz</c> report. Live while the host loop runs; ready when every informer has
/// synced and the replica takes part in leader election (as leader or standby) or runs without it.
/// </summary>
public sealed class OperatorHealth
{
    private readonly Lock gate = new();
    private readonly List<IResourceInformer> informers = [];
    private LeaderElector? elector;
    private volatile bool running;

    /// <summary>True while the operator's main loop runs.</summary>
    public bool IsLive => running;

    /// <summary>Registers the informers the replica must sync.</summary>
    public void Track(IEnumerable<IResourceInformer> synced)
    {
        lock (gate)
        {
            informers.AddRange(synced);
        }
    }

    /// <summary>Registers the replica's elector.</summary>
    public void Track(LeaderElector leaderElector) => elector = leaderElector;

    /// <summary>Marks the main loop running or stopped.</summary>
    public void SetRunning(bool value) => running = value;

    /// <summary>Whether the replica is ready, and why not.</summary>
    public (bool Ready, string Detail) Readiness()
    {
        if (!running)
        {
            return (false, "operator not running");
        }

        IResourceInformer[] current;
        lock (gate)
        {
            current = [.. informers];
        }

        var pending = current.Where(informer => !informer.HasSynced).Select(informer => informer.Name).ToList();
        if (pending.Count > 0)
        {
            return (false, "informers not synced: " + string.Join(", ", pending));
        }

        return elector switch
        {
            null => (true, "ok"),
            { State: LeaderElectionState.Leader } => (true, "ok: leader"),
            { State: LeaderElectionState.Standby } => (true, "ok: standby"),
            _ => (false, "leader election not running"),
        };
    }
}
