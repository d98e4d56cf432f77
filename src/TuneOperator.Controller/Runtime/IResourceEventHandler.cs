namespace TuneOperator.Controller.Runtime;

/// <summary>Receives an informer's changes. Called on the informer's loop: keep it short (enqueue a key).</summary>
public interface IResourceEventHandler<in T>
{
    /// <summary>An object appeared (first list or a watch ADDED event).</summary>
    void OnAdd(T obj);

    /// <summary>An object changed.</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <summary>An object went away (a watch DELETED event, or missing from a relist).</summary>
    void OnDelete(T obj);
}
