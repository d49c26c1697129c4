namespace Mesos.HA.Protocol.Http;

/// <summary>How a v1 API message travels: Mesos serves each call and stream as JSON or as protobuf.</summary>
public enum MessageEncoding
{
    Json,
    Protobuf,
}
