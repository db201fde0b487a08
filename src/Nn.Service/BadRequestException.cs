namespace Nn.Service;

/// <summary>A request the service refuses with 400; the message tells the client what to fix.</summary>
internal sealed class BadRequestException(string message) : Exception(message);
