namespace TuneOperator.Controller.Runtime;

/// <summary>An <see cref="IResourceEventHandler{T}"/> that calls one action for every change with the newest object.</summary>
public sealed class ResourceEventHandler<T>(Action<T> onChange) : IResourceEventHandler<T>
{
    /// <inheritdoc />
    public void OnAdd(T obj) => onChange(obj);

    /// <inheritdoc />
    public void OnUpdate(T oldObj, T newObj) => onChange(newObj);

    /// <inheritdoc />
    public void OnDelete(T obj) => onChange(obj);
}
