using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// Writes core/v1 Events about objects, as <c>kubectl describe</c> shows them. A repeat of the same event (same object,
/// type, reason and message) is aggregated: the existing Event's <c>count</c> and <c>lastTimestamp</c> are updated
/// instead of creating another one. Recording is best effort: failures are logged, never thrown.
/// </summary>
public sealed class EventRecorder(KubeApiClient client, string component, string instance, ILogger logger, TimeProvider? timeProvider = null)
{
    /// <summary>The <c>type</c> of an informational event.</summary>
    public const string Normal = "Normal";

    /// <summary>The <c>type</c> of an event that needs attention.</summary>
    public const string Warning = "Warning";

    private const int MaxRemembered = 4096;
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;
    private readonly Lock gate = new();
    private readonly Dictionary<string, RecordedEvent> recorded = new(StringComparer.Ordinal);

    /// <summary>Records an event about <paramref name="subject"/>.</summary>
    /// <param name="subject">The object the event is about (it must have a namespace, name and UID).</param>
    /// <param name="type"><see cref="Normal"/> or <see cref="Warning"/>.</param>
    /// <param name="reason">A CamelCase reason, for example <c>PodCreated</c>.</param>
    /// <param name="message">A human-readable message.</param>
    /// <param name="cancellationToken">Cancels the API calls.</param>
    public async Task RecordAsync(
        IKubernetesObject<V1ObjectMeta> subject, string type, string reason, string message, CancellationToken cancellationToken)
    {
        if (type is not (Normal or Warning))
        {
            throw new ArgumentException($"Event type must be {Normal} or {Warning} (was '{type}').", nameof(type));
        }

        var meta = subject.Metadata;
        var namespaceName = string.IsNullOrEmpty(meta.NamespaceProperty) ? "default" : meta.NamespaceProperty;
        var aggregateKey = string.Join('\n', meta.Uid, type, reason, message);
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            RecordedEvent? previous;
            lock (gate)
            {
                recorded.TryGetValue(aggregateKey, out previous);
            }

            if (previous is not null && await TryIncrementAsync(previous, now, cancellationToken) is { } incremented)
            {
                Remember(aggregateKey, incremented);
                return;
            }

            var created = await client.CreateAsync(
                ResourceType.Events, namespaceName, NewEvent(subject, namespaceName, type, reason, message, now), cancellationToken);
            Remember(aggregateKey, new RecordedEvent(namespaceName, created.Metadata.Name, created.Count ?? 1));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.EventFailed(logger, ex, reason, NamespacedName.Of(subject));
        }
    }

    private async Task<RecordedEvent?> TryIncrementAsync(RecordedEvent previous, DateTime now, CancellationToken cancellationToken)
    {
        var count = previous.Count + 1;
        // A JSON string body: the client sends it as it is (no reflection over a dictionary of objects).
        var patch = new JsonObject
        {
            ["count"] = count,
            ["lastTimestamp"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        }.ToJsonString();
        try
        {
            await client.MergePatchAsync<Corev1Event>(ResourceType.Events, previous.Namespace, previous.Name, patch, cancellationToken);
            return previous with { Count = count };
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            // The event expired (the API server's event TTL): write a new one.
            return null;
        }
    }

    private Corev1Event NewEvent(
        IKubernetesObject<V1ObjectMeta> subject, string namespaceName, string type, string reason, string message, DateTime now)
    {
        var name = subject.Metadata.Name + "." + now.Ticks.ToString("x", CultureInfo.InvariantCulture)
            + Random.Shared.Next(0x1000, 0xffff).ToString("x", CultureInfo.InvariantCulture);
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = namespaceName },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = subject.ApiVersion,
                Kind = subject.Kind,
                Name = subject.Metadata.Name,
                NamespaceProperty = subject.Metadata.NamespaceProperty,
                Uid = subject.Metadata.Uid,
                ResourceVersion = subject.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = component, Host = instance },
            ReportingComponent = component,
            ReportingInstance = instance,
        };
    }

    private void Remember(string key, RecordedEvent value)
    {
        lock (gate)
        {
            if (recorded.Count >= MaxRemembered && !recorded.ContainsKey(key))
            {
                recorded.Clear();
            }

            recorded[key] = value;
        }
    }

    private sealed record RecordedEvent(string Namespace, string Name, int Count);
}
