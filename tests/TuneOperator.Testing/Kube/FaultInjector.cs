namespace TuneOperator.Testing.Kube;

/// <summary>The fault rules of a <see cref="KubeApiFake"/>; rules can be added and cleared while it serves.</summary>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Random _random;
    private readonly TimeProvider _time;

    internal FaultInjector(int seed, TimeProvider time)
    {
        _random = new Random(seed);
        _time = time;
    }

    /// <summary>Adds a rule and returns it (its <see cref="FaultRule.Injected"/> counts the failures it caused).</summary>
    /// <param name="rule">The rule.</param>
    public FaultRule Add(FaultRule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Removes one rule.</summary>
    /// <param name="rule">The rule.</param>
    public void Remove(FaultRule rule)
    {
        lock (_lock)
        {
            _rules.Remove(rule);
        }
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    internal async Task<KubeApiException?> ApplyAsync(string verb, ResourceType? type, bool status, CancellationToken cancellationToken)
    {
        List<FaultRule> matching;
        lock (_lock)
        {
            matching = [.. _rules.Where(r => r.Matches(verb, type, status))];
        }

        foreach (var rule in matching)
        {
            if (rule.Latency > TimeSpan.Zero)
            {
                await Task.Delay(rule.Latency, _time, cancellationToken);
            }
        }

        foreach (var rule in matching)
        {
            if (rule.StatusCode is not { } code)
            {
                continue;
            }

            bool hit;
            lock (_lock)
            {
                hit = _random.NextDouble() < rule.Share;
            }

            if (hit && rule.TryConsume())
            {
                return Error(code, type);
            }
        }

        return null;
    }

    private static KubeApiException Error(int code, ResourceType? type) => code switch
    {
        409 => new KubeApiException(409, "Conflict",
            $"Operation cannot be fulfilled on {type?.GroupResource ?? "resource"}: the object has been modified; please apply your changes to the latest version and try again (injected)"),
        429 => new KubeApiException(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later (injected)"),
        503 => new KubeApiException(503, "ServiceUnavailable", "the server is currently unable to handle the request (injected)"),
        504 => new KubeApiException(504, "Timeout", "the server was unable to return a response in the time allotted (injected)"),
        _ => new KubeApiException(code, "InternalError", "Internal error occurred: injected fault"),
    };
}
