using System.Runtime.CompilerServices;
using k8s;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.Tests;

/// <summary>The operator's own API client (<see cref="KubeApiClient"/>) beside a test's KubernetesClient, on the same server.</summary>
internal static class OperatorClients
{
    private static readonly ConditionalWeakTable<IKubernetes, KubeApiClient> Clients = [];

    /// <summary>The operator's client for the server <paramref name="client"/> talks to (one per client).</summary>
    public static KubeApiClient Api(this IKubernetes client) =>
        Clients.GetValue(client, static c => new KubeApiClient(new KubernetesClientConfiguration { Host = c.BaseUri.ToString() }));
}
