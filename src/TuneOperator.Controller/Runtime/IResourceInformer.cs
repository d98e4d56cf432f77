namespace TuneOperator.Controller.Runtime;

/// <summary>What the host needs to know about any informer: run it and learn when it has synced.</summary>
public interface IResourceInformer
{
    /// <summary>A name for logs and health output (the resource and namespace).</summary>
    string Name { get; }

    /// <summary>True once the first list has filled the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Lists, then watches until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the first list has filled the cache.</summary>
    Task ReadyAsync(CancellationToken cancellationToken);
}
