namespace TuneOperator.Controller.Runtime;

/// <summary>
/// A reconcile failure that retrying cannot fix (for example an invalid spec the reconciler already reported in the
/// status). The controller logs it, counts it and does not requeue the key; a later change to the object does.
/// </summary>
public sealed class TerminalReconcileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TerminalReconcileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public TerminalReconcileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TerminalReconcileException()
        : base("The reconcile failed permanently.")
    {
    }
}
