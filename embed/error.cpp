// parlab::embed::Error: splits "file:line: message" into its location for hosts that report it apart.
#include "parlab/error.hpp"

#include <cctype>
#include <string>

namespace parlab::embed {
namespace {

// "name:123: ..." -> "name:123"; "" when the text does not start with a location.
std::string location_of(const std::string& message) {
  for (size_t colon = message.find(':'); colon != std::string::npos; colon = message.find(':', colon + 1)) {
    size_t digits = colon + 1;
    while (digits < message.size() && std::isdigit(static_cast<unsigned char>(message[digits]))) ++digits;
    if (digits > colon + 1 && digits < message.size() && message[digits] == ':')
      return message.substr(0, digits);
  }
  return "";
}

}  // namespace

Error::Error(ErrorKind kind, const std::string& message, std::string traceback)
    : std::runtime_error(message),
      kind_(kind),
      location_(location_of(message)),
      traceback_(std::move(traceback)) {}

}  // namespace parlab::embed
