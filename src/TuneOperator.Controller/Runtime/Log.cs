using Microsoft.Extensions.Logging;

namespace TuneOperator.Controller.Runtime;

/// <summary>The runtime's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Informer {Informer} listed {Count} objects at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string informer, int count, string resourceVersion);

    [LoggerMessage(1002, LogLevel.Information, "Informer {Informer}: resourceVersion {ResourceVersion} expired, relisting")]
    public static partial void WatchExpired(ILogger logger, string informer, string resourceVersion);

    [LoggerMessage(1003, LogLevel.Warning, "Informer {Informer}: watch silent for {Timeout}, reconnecting")]
    public static partial void WatchSilent(ILogger logger, string informer, TimeSpan timeout);

    [LoggerMessage(1004, LogLevel.Warning, "Informer {Informer}: list or watch failed, retrying in {Delay}")]
    public static partial void ListWatchFailed(ILogger logger, Exception exception, string informer, TimeSpan delay);

    [LoggerMessage(1006, LogLevel.Warning, "Informer {Informer}: the watch reported an error or an event it could not read")]
    public static partial void WatchEventFailed(ILogger logger, Exception exception, string informer);

    [LoggerMessage(1005, LogLevel.Error, "Informer {Informer}: an event handler failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string informer);

    [LoggerMessage(1101, LogLevel.Information, "Controller {Controller} started with {Workers} workers")]
    public static partial void ControllerStarted(ILogger logger, string controller, int workers);

    [LoggerMessage(1102, LogLevel.Information, "Controller {Controller} stopped")]
    public static partial void ControllerStopped(ILogger logger, string controller);

    [LoggerMessage(1103, LogLevel.Warning, "Controller {Controller}: reconcile of {Key} failed (retry {Retries})")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string controller, NamespacedName key, int retries);

    [LoggerMessage(1104, LogLevel.Error, "Controller {Controller}: reconcile of {Key} failed permanently; not retried")]
    public static partial void ReconcileTerminal(ILogger logger, Exception exception, string controller, NamespacedName key);

    [LoggerMessage(1201, LogLevel.Information, "{Identity} became leader on Lease {Namespace}/{Lease}")]
    public static partial void BecameLeader(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(1202, LogLevel.Warning, "{Identity} lost leadership (the Lease is held by {Holder})")]
    public static partial void LostLeadership(ILogger logger, string identity, string? holder);

    [LoggerMessage(1203, LogLevel.Information, "{Identity} released Lease {Namespace}/{Lease}")]
    public static partial void ReleasedLease(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(1204, LogLevel.Warning, "A call on Lease {Namespace}/{Lease} failed")]
    public static partial void LeaseCallFailed(ILogger logger, Exception exception, string @namespace, string lease);

    [LoggerMessage(1205, LogLevel.Error, "{Identity}: the work run while leading failed")]
    public static partial void LeadingWorkFailed(ILogger logger, Exception exception, string identity);

    [LoggerMessage(1301, LogLevel.Warning, "Could not record event {Reason} for {Subject}")]
    public static partial void EventFailed(ILogger logger, Exception exception, string reason, NamespacedName subject);
}
